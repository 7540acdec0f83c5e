//! Per-service limits on the requests eco has in flight, with adaptive backoff on throttling.
//!
//! AWS throttles per service and account (Route53 answers 5 requests a second, IAM and
//! CloudFront little more), whatever `-parallelism` allows. Every request of every SDK client
//! goes through [`LimitedHttpClient`]: it names the request's service (the signing name in the
//! SigV4 credential scope) and waits for one of that service's permits before sending it. A
//! service starts at its limit ([`DEFAULT_LIMITS`], or `ECO_SERVICE_LIMITS`); a throttled answer
//! (429, 503, or a 400 whose code says throttling) halves what it may have in flight, and each
//! run of as many successes as it may have in flight raises that by one again, up to its limit
//! (additive increase, multiplicative decrease, as TCP does). The throttled call itself is
//! retried by the engine's retry policy, with its backoff.
//!
//! Above the services, a run may hold the requests in flight of all services together to one
//! number ([`ServiceLimits::limit_total`]: the run's `-parallelism`). A request takes its
//! service's permit first, then one of the total, and gives both back with its answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The environment variable that overrides limits: `SERVICE=N` pairs separated by commas, the
/// service named as it signs (`route53=2,iam=4,s3=100`; `*=N` for every service not named).
pub const LIMITS_VAR: &str = "ECO_SERVICE_LIMITS";

/// Requests in flight per service by default, from AWS's documented API rate limits (a limit
/// of R requests a second at ~200 ms a request allows about R/5 in flight). Services not named
/// get [`DEFAULT_LIMIT`].
pub const DEFAULT_LIMITS: &[(&str, usize)] = &[
    // Route53: 5 requests a second per account.
    ("route53", 2),
    // CloudFront: control-plane calls are throttled at a few a second.
    ("cloudfront", 2),
    // IAM: low, account-wide limits on its control plane.
    ("iam", 4),
    // API Gateway: 10 requests a second per account for most management calls.
    ("apigateway", 4),
    // Cognito user pools: 5 to 25 requests a second by category.
    ("cognito-idp", 4),
    // ACM: 5 to 10 requests a second per operation.
    ("acm", 4),
    // Lambda: 15 control-plane requests a second per account.
    ("lambda", 6),
    // S3 and DynamoDB answer thousands a second.
    ("s3", 50),
    ("dynamodb", 20),
];

/// The limit of a service [`DEFAULT_LIMITS`] does not name.
pub const DEFAULT_LIMIT: usize = 10;

/// The limits of every service, shared by all clients built from one configuration.
#[derive(Debug)]
pub struct ServiceLimits {
    configured: HashMap<String, usize>,
    fallback: usize,
    services: Mutex<HashMap<String, Arc<ServiceLimit>>>,
    /// Requests in flight of all services together, when limited.
    total: Mutex<Option<Arc<Semaphore>>>,
}

impl ServiceLimits {
    /// The documented defaults, overridden by `overrides` (`SERVICE=N,...`, see [`LIMITS_VAR`]).
    /// An override that is not `SERVICE=N` with N >= 1 is an error naming it.
    pub fn new(overrides: Option<&str>) -> Result<ServiceLimits, String> {
        let mut configured: HashMap<String, usize> = DEFAULT_LIMITS
            .iter()
            .map(|(s, n)| (s.to_string(), *n))
            .collect();
        let mut fallback = DEFAULT_LIMIT;
        for pair in overrides
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let parsed = pair.split_once('=').and_then(|(service, n)| {
                let n: usize = n.trim().parse().ok().filter(|n| *n >= 1)?;
                Some((service.trim().to_string(), n))
            });
            match parsed {
                Some((service, n)) if service == "*" => fallback = n,
                Some((service, n)) if !service.is_empty() => {
                    configured.insert(service, n);
                }
                _ => {
                    return Err(format!(
                        "{LIMITS_VAR}: `{pair}` is not SERVICE=N with N a whole number >= 1 \
                         (e.g. {LIMITS_VAR}=route53=2,iam=4)"
                    ))
                }
            }
        }
        Ok(ServiceLimits {
            configured,
            fallback,
            services: Mutex::new(HashMap::new()),
            total: Mutex::new(None),
        })
    }

    /// The limits `ECO_SERVICE_LIMITS` sets, or the defaults when it is unset or invalid (then
    /// with a warning naming the problem).
    pub fn from_env() -> ServiceLimits {
        let var = std::env::var(LIMITS_VAR).ok();
        ServiceLimits::new(var.as_deref()).unwrap_or_else(|problem| {
            tracing::warn!("{problem}; using the default limits");
            ServiceLimits::new(None).expect("the defaults parse")
        })
    }

    /// The most requests `service` may have in flight (its configured limit).
    pub fn limit(&self, service: &str) -> usize {
        self.configured
            .get(service)
            .copied()
            .unwrap_or(self.fallback)
    }

    /// What `service` may have in flight now (lowered by throttling).
    pub fn allowed(&self, service: &str) -> usize {
        self.service(service)
            .state
            .lock()
            .expect("not poisoned")
            .target
    }

    fn service(&self, service: &str) -> Arc<ServiceLimit> {
        let mut services = self.services.lock().expect("not poisoned");
        services
            .entry(service.to_string())
            .or_insert_with(|| Arc::new(ServiceLimit::new(self.limit(service))))
            .clone()
    }

    /// Holds the requests in flight of all services together to `n` (at least 1) from now on;
    /// each service's limit still applies beneath it. Requests already waiting keep the
    /// total they started under.
    pub fn limit_total(&self, n: usize) {
        let total = Arc::new(Semaphore::new(n.max(1)));
        *self.total.lock().expect("not poisoned") = Some(total);
    }

    /// Waits for a permit to send one request to `service`: its service's, then (when limited)
    /// one of the total. Always in that order, so that a request waiting for a busy service
    /// holds no permit others could use.
    pub async fn acquire(&self, service: &str) -> Permit {
        let limit = self.service(service);
        let permit = limit
            .semaphore
            .clone()
            .acquire_owned()
            .await
            .expect("a service's semaphore is never closed");
        let total = self.total.lock().expect("not poisoned").clone();
        let total = match total {
            Some(total) => Some(
                total
                    .acquire_owned()
                    .await
                    .expect("the total semaphore is never closed"),
            ),
            None => None,
        };
        Permit {
            limit,
            permit: Some(permit),
            _total: total,
            service: service.to_string(),
        }
    }
}

#[derive(Debug)]
struct ServiceLimit {
    semaphore: Arc<Semaphore>,
    state: Mutex<Adaptive>,
}

#[derive(Debug)]
struct Adaptive {
    /// The configured limit: never exceeded.
    ceiling: usize,
    /// What may be in flight now.
    target: usize,
    /// Permits in existence (available or held): above `target` after a throttle, until
    /// enough held ones come back to be forgotten.
    capacity: usize,
    /// Successes since the target last changed.
    successes: usize,
}

impl ServiceLimit {
    fn new(limit: usize) -> ServiceLimit {
        ServiceLimit {
            semaphore: Arc::new(Semaphore::new(limit)),
            state: Mutex::new(Adaptive {
                ceiling: limit,
                target: limit,
                capacity: limit,
                successes: 0,
            }),
        }
    }
}

/// A permit to have one request in flight; [`Permit::done`] says how it went.
#[derive(Debug)]
pub struct Permit {
    limit: Arc<ServiceLimit>,
    permit: Option<OwnedSemaphorePermit>,
    /// The permit of the total, when limited (goes back when this is dropped).
    _total: Option<OwnedSemaphorePermit>,
    service: String,
}

impl Permit {
    /// Returns the permit: a throttled answer halves what the service may have in flight, a
    /// run of successes as long as that raises it by one (up to its limit).
    pub fn done(mut self, throttled: bool) {
        let permit = self.permit.take().expect("a permit is returned once");
        let mut state = self.limit.state.lock().expect("not poisoned");
        if throttled {
            let lowered = (state.target / 2).max(1);
            if lowered < state.target {
                tracing::debug!(
                    service = %self.service,
                    from = state.target,
                    to = lowered,
                    "throttled: fewer requests in flight"
                );
            }
            state.target = lowered;
            state.successes = 0;
        } else {
            state.successes += 1;
            if state.successes >= state.target && state.target < state.ceiling {
                state.target += 1;
                state.successes = 0;
                if state.capacity < state.target {
                    state.capacity += 1;
                    self.limit.semaphore.add_permits(1);
                }
            }
        }
        if state.capacity > state.target {
            state.capacity -= 1;
            permit.forget();
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        // A request dropped before its answer (cancelled): its permit simply goes back.
        drop(self.permit.take());
    }
}

/// The service a signed request is for: the signing name in its SigV4 credential scope
/// (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`), else the first label of its host.
pub fn service_of(request: &HttpRequest) -> String {
    let scoped = request
        .headers()
        .get("authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|scope| scope.split('/').nth(3))
        .filter(|s| !s.is_empty());
    if let Some(service) = scoped {
        return service.to_string();
    }
    let uri = request.uri();
    let host = uri
        .split("://")
        .nth(1)
        .unwrap_or(uri)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    host.split('.').next().unwrap_or("").to_string()
}

/// Whether an answer is AWS throttling: 429, 503 (S3's SlowDown), or a 400 whose body names a
/// throttling code.
pub fn is_throttling(status: u16, body: &[u8]) -> bool {
    const CODES: &[&str] = &[
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "PriorRequestNotComplete",
        "ProvisionedThroughputExceededException",
    ];
    match status {
        429 | 503 => true,
        400 => {
            let text = String::from_utf8_lossy(body);
            CODES.iter().any(|code| {
                // As a JSON `__type` (possibly `prefix#Code`), an XML <Code> or a header-less
                // JSON `code`/`message` pair.
                text.contains(&format!("#{code}\""))
                    || text.contains(&format!("\"{code}\""))
                    || text.contains(&format!("<Code>{code}</Code>"))
            })
        }
        _ => false,
    }
}

/// An HTTP client that holds every request to the limits of its service (see the module docs).
#[derive(Debug, Clone)]
pub struct LimitedHttpClient {
    inner: SharedHttpClient,
    limits: Arc<ServiceLimits>,
}

impl LimitedHttpClient {
    /// `inner` (the client that sends), limited by `limits`.
    pub fn new(inner: SharedHttpClient, limits: Arc<ServiceLimits>) -> LimitedHttpClient {
        LimitedHttpClient { inner, limits }
    }

    /// The SDK's default HTTPS client (hyper 1.x, rustls with aws-lc, proxies from the
    /// environment), limited by `limits`.
    pub fn default_https(limits: Arc<ServiceLimits>) -> LimitedHttpClient {
        use aws_smithy_http_client::proxy::ProxyConfig;
        use aws_smithy_http_client::{tls, Builder, ConnectorBuilder};
        let inner = Builder::new().build_with_connector_fn(move |settings, components| {
            let mut builder = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ));
            builder.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                builder.set_sleep_impl(components.sleep_impl());
            }
            builder.set_proxy_config(Some(ProxyConfig::from_env()));
            builder.build()
        });
        LimitedHttpClient::new(inner, limits)
    }

    /// The limits requests are held to.
    pub fn limits(&self) -> &Arc<ServiceLimits> {
        &self.limits
    }
}

impl HttpClient for LimitedHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LimitedConnector {
            inner: self.inner.http_connector(settings, components),
            limits: self.limits.clone(),
        })
    }
}

#[derive(Debug)]
struct LimitedConnector {
    inner: SharedHttpConnector,
    limits: Arc<ServiceLimits>,
}

impl HttpConnector for LimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        let limits = self.limits.clone();
        HttpConnectorFuture::new(async move {
            let service = service_of(&request);
            let permit = limits.acquire(&service).await;
            let mut answer = inner.call(request).await;
            let throttled = match &mut answer {
                Ok(response) if response.status().as_u16() == 400 => {
                    // An error body is small: read it to see its code, then hand it on.
                    let body = std::mem::replace(response.body_mut(), SdkBody::taken());
                    match aws_smithy_types::byte_stream::ByteStream::new(body)
                        .collect()
                        .await
                    {
                        Ok(bytes) => {
                            let bytes = bytes.into_bytes();
                            let throttled = is_throttling(400, &bytes);
                            *response.body_mut() = SdkBody::from(bytes);
                            throttled
                        }
                        Err(e) => {
                            permit.done(false);
                            return Err(
                                aws_smithy_runtime_api::client::result::ConnectorError::io(
                                    e.into(),
                                ),
                            );
                        }
                    }
                }
                Ok(response) => is_throttling(response.status().as_u16(), &[]),
                Err(_) => false,
            };
            permit.done(throttled);
            answer
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_defaults_and_bad_ones_are_named() {
        let limits = ServiceLimits::new(Some("route53=1, iam=7,*=3")).unwrap();
        assert_eq!(limits.limit("route53"), 1);
        assert_eq!(limits.limit("iam"), 7);
        assert_eq!(limits.limit("s3"), 50);
        assert_eq!(limits.limit("sqs"), 3);
        let defaults = ServiceLimits::new(None).unwrap();
        assert_eq!(defaults.limit("route53"), 2);
        assert_eq!(defaults.limit("sqs"), DEFAULT_LIMIT);
        for bad in ["route53", "route53=0", "iam=x", "=3"] {
            let err = ServiceLimits::new(Some(bad)).unwrap_err();
            assert!(err.contains(bad) && err.contains("SERVICE=N"), "{err}");
        }
    }

    #[test]
    fn throttling_is_recognised_in_every_protocol() {
        assert!(is_throttling(429, b""));
        assert!(is_throttling(503, b""));
        assert!(is_throttling(
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}"#
        ));
        assert!(is_throttling(
            400,
            b"<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"
        ));
        assert!(!is_throttling(
            400,
            br#"{"__type":"ResourceNotFoundException","message":"Throttling is fine"}"#
        ));
        assert!(!is_throttling(404, b"<Code>Throttling</Code>"));
        assert!(!is_throttling(200, b""));
    }

    fn request(uri: &str, authorization: Option<&str>) -> HttpRequest {
        let mut request = HttpRequest::new(SdkBody::empty());
        request.set_uri(uri).unwrap();
        if let Some(auth) = authorization {
            request
                .headers_mut()
                .insert("authorization", auth.to_string());
        }
        request
    }

    #[test]
    fn the_service_is_the_signing_name_else_the_host() {
        let signed = request(
            "http://127.0.0.1:5000/2013-04-01/hostedzone",
            Some(
                "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/route53/aws4_request, \
                 SignedHeaders=host, Signature=abc",
            ),
        );
        assert_eq!(service_of(&signed), "route53");
        let unsigned = request("https://sts.us-east-1.amazonaws.com/", None);
        assert_eq!(service_of(&unsigned), "sts");
    }

    #[tokio::test]
    async fn throttling_halves_what_is_in_flight_and_successes_raise_it_again() {
        let limits = ServiceLimits::new(Some("iam=8")).unwrap();
        let held: Vec<Permit> = futures_all(&limits, 8).await;
        assert_eq!(limits.allowed("iam"), 8);
        let mut held = held.into_iter();
        held.next().unwrap().done(true);
        assert_eq!(limits.allowed("iam"), 4);
        held.next().unwrap().done(true);
        assert_eq!(limits.allowed("iam"), 2);
        // Six still held, two allowed: a new request waits until enough come back. Each
        // success returns its permit only while fewer than allowed are held (after the first
        // run of two successes, three are allowed).
        let rest: Vec<Permit> = held.collect();
        let waiting = limits.acquire("iam");
        tokio::pin!(waiting);
        assert!(futures_now(&mut waiting).await.is_none());
        let mut rest = rest.into_iter();
        for _ in 0..3 {
            rest.next().unwrap().done(false);
        }
        assert!(
            futures_now(&mut waiting).await.is_none(),
            "three held, three allowed"
        );
        rest.next().unwrap().done(false);
        assert_eq!(limits.allowed("iam"), 3);
        for p in rest {
            p.done(false);
        }
        let first = waiting.await;
        first.done(false);
        for _ in 0..100 {
            limits.acquire("iam").await.done(false);
        }
        assert_eq!(limits.allowed("iam"), 8);
        let all = futures_all(&limits, 8).await;
        assert_eq!(all.len(), 8);
        let ninth = limits.acquire("iam");
        tokio::pin!(ninth);
        assert!(
            futures_now(&mut ninth).await.is_none(),
            "never above the limit"
        );
    }

    #[tokio::test]
    async fn a_total_limit_holds_every_service_together_beneath_their_own() {
        let limits = ServiceLimits::new(Some("iam=2,*=10")).unwrap();
        limits.limit_total(3);
        let iam = futures_all(&limits, 2).await;
        let sqs = limits.acquire("sqs").await;
        // Three in flight: a fourth waits, whatever its service allows.
        let fourth = limits.acquire("s3");
        tokio::pin!(fourth);
        assert!(futures_now(&mut fourth).await.is_none(), "three in total");
        sqs.done(false);
        let fourth = fourth.await;
        // A third IAM request waits for IAM's own limit (two), not the total.
        let third_iam = limits.acquire("iam");
        tokio::pin!(third_iam);
        assert!(
            futures_now(&mut third_iam).await.is_none(),
            "IAM's own limit"
        );
        fourth.done(false);
        assert!(
            futures_now(&mut third_iam).await.is_none(),
            "IAM's own limit"
        );
        let mut iam = iam.into_iter();
        iam.next().unwrap().done(false);
        third_iam.await.done(false);
    }

    async fn futures_all(limits: &ServiceLimits, n: usize) -> Vec<Permit> {
        let mut held = Vec::new();
        for _ in 0..n {
            held.push(limits.acquire("iam").await);
        }
        held
    }

    /// The future's output if it is ready at once.
    async fn futures_now<F: std::future::Future + Unpin>(f: &mut F) -> Option<F::Output> {
        tokio::select! {
            biased;
            out = f => Some(out),
            _ = tokio::task::yield_now() => None,
        }
    }
}

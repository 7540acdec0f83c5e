//! Shared AWS plumbing for the resource types: SDK clients built from one `SdkConfig`, and the
//! translation of SDK errors into [`OpError`]s that name the operation and say what AWS said.

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_types::SdkConfig;
use eco_provider::{ErrorKind, OpError, Value};

/// The `tags` attribute helpers, where they were first published (see [`crate::tags`]).
pub use crate::tags::{tags_of, tags_value};

/// SDK clients for one stage's account and region.
#[derive(Debug, Clone)]
pub struct Aws {
    config: SdkConfig,
    /// The limits every request of these clients is held to (see [`crate::limits`]).
    limits: std::sync::Arc<crate::limits::ServiceLimits>,
}

/// Where a stage's AWS calls go and as whom (from its `stage` block).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// A role to assume (through STS, honouring `AWS_ENDPOINT_URL`).
    pub assume_role: Option<String>,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    /// An endpoint for every service (a local emulator); `AWS_ENDPOINT_URL` works too.
    pub endpoint: Option<String>,
}

impl Aws {
    /// Clients from a loaded SDK configuration (credentials, region, endpoint).
    pub fn new(config: SdkConfig) -> Self {
        // The engine's RetryPolicy owns retries; the SDK's own would stack under it.
        // Every request waits for a permit of its service (crate::limits): the client given
        // sends, else the SDK's default one.
        let limits = std::sync::Arc::new(crate::limits::ServiceLimits::from_env());
        let limited = match config.http_client() {
            Some(inner) => crate::limits::LimitedHttpClient::new(inner, limits.clone()),
            None => crate::limits::LimitedHttpClient::default_https(limits.clone()),
        };
        let config = config
            .into_builder()
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .http_client(limited)
            .build();
        Aws { config, limits }
    }

    /// Holds the requests these clients have in flight, all services together, to `n` (the
    /// run's `-parallelism`); each service's own limit still applies beneath it.
    pub fn limit_in_flight(&self, n: usize) {
        self.limits.limit_total(n);
    }

    /// Loads credentials and region with the standard chain (env, profiles, SSO, ...), then
    /// assumes the stage's role when it names one.
    pub async fn load(options: &AwsOptions) -> Aws {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = &options.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(endpoint) = &options.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let base = loader.load().await;
        let Some(role) = &options.assume_role else {
            return Aws::new(base);
        };
        let mut provider = aws_config::sts::AssumeRoleProvider::builder(role)
            .session_name(
                options
                    .session_name
                    .clone()
                    .unwrap_or_else(|| "eco".to_string()),
            )
            .configure(&base);
        if let Some(id) = &options.external_id {
            provider = provider.external_id(id);
        }
        if let Some(region) = base.region() {
            provider = provider.region(region.clone());
        }
        let provider = provider.build().await;
        let config = base
            .into_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(provider),
            )
            .build();
        Aws::new(config)
    }

    /// Clients for a local emulator at `endpoint` with static test credentials (tests).
    pub fn for_endpoint(endpoint: &str, region: &str) -> Aws {
        Aws::new(Aws::endpoint_config(endpoint, region))
    }

    /// The SDK configuration of [`Aws::for_endpoint`], before [`Aws::new`] limits it.
    fn endpoint_config(endpoint: &str, region: &str) -> SdkConfig {
        let creds =
            aws_credential_types::Credentials::new("testing", "testing", None, None, "eco-test");
        SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_string()))
            .endpoint_url(endpoint)
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(creds),
            )
            .time_source(aws_smithy_async::time::SharedTimeSource::default())
            .sleep_impl(aws_smithy_async::rt::sleep::SharedAsyncSleep::new(
                aws_smithy_async::rt::sleep::TokioSleep::new(),
            ))
            .build()
    }

    /// The SDK configuration.
    pub fn config(&self) -> &SdkConfig {
        &self.config
    }

    /// The region in use (`us-east-1` when none is configured).
    pub fn region(&self) -> String {
        self.config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string())
    }

    /// S3, with path-style addressing when the endpoint is overridden (a local emulator).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.config.endpoint_url().is_some())
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// The Resource Groups Tagging API.
    pub fn tagging(&self) -> aws_sdk_resourcegroupstagging::Client {
        aws_sdk_resourcegroupstagging::Client::new(&self.config)
    }

    /// DynamoDB.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    /// IAM.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }

    /// STS.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }

    /// The account the credentials act in (STS GetCallerIdentity).
    pub async fn caller_account(&self) -> Result<String, OpError> {
        let out = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| op_error("GetCallerIdentity", e))?;
        out.account().map(str::to_string).ok_or_else(|| {
            OpError::new(
                "GetCallerIdentity",
                ErrorKind::Other,
                "no account in the answer",
            )
        })
    }

    /// Clients for a local emulator that first assume `role_arn` (tests of multi-account stages).
    pub async fn for_endpoint_as(endpoint: &str, region: &str, role_arn: &str) -> Aws {
        let base = Aws::endpoint_config(endpoint, region);
        let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
            .session_name("eco-test")
            .configure(&base)
            .region(aws_config::Region::new(region.to_string()))
            .build()
            .await;
        Aws::new(
            base.into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build(),
        )
    }

    /// CloudFront (a global service: its calls go to us-east-1 whatever the stage's region).
    pub fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        let conf = aws_sdk_cloudfront::config::Builder::from(&self.config)
            .region(aws_types::region::Region::new("us-east-1"))
            .build();
        aws_sdk_cloudfront::Client::from_conf(conf)
    }

    /// Route53 (a global service: its calls go to us-east-1 whatever the stage's region).
    pub fn route53(&self) -> aws_sdk_route53::Client {
        let conf = aws_sdk_route53::config::Builder::from(&self.config)
            .region(aws_types::region::Region::new("us-east-1"))
            .build();
        aws_sdk_route53::Client::from_conf(conf)
    }

    /// ACM in `region` (the stage's when `None`; CloudFront certificates live in us-east-1).
    pub fn acm(&self, region: Option<&str>) -> aws_sdk_acm::Client {
        let mut conf = aws_sdk_acm::config::Builder::from(&self.config);
        if let Some(r) = region {
            conf = conf.region(aws_types::region::Region::new(r.to_string()));
        }
        aws_sdk_acm::Client::from_conf(conf.build())
    }

    /// Lambda.
    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config)
    }

    /// API Gateway v2 (HTTP APIs).
    pub fn apigatewayv2(&self) -> aws_sdk_apigatewayv2::Client {
        aws_sdk_apigatewayv2::Client::new(&self.config)
    }

    /// Cognito user pools (cognito-idp).
    pub fn cognito_idp(&self) -> aws_sdk_cognitoidentityprovider::Client {
        aws_sdk_cognitoidentityprovider::Client::new(&self.config)
    }

    /// CodeBuild.
    pub fn codebuild(&self) -> aws_sdk_codebuild::Client {
        aws_sdk_codebuild::Client::new(&self.config)
    }

    /// CodePipeline.
    pub fn codepipeline(&self) -> aws_sdk_codepipeline::Client {
        aws_sdk_codepipeline::Client::new(&self.config)
    }

    /// CloudWatch Logs.
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config)
    }

    /// Systems Manager (Parameter Store).
    pub fn ssm(&self) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(&self.config)
    }

    /// Secrets Manager.
    pub fn secretsmanager(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.config)
    }

    /// SQS.
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.config)
    }

    /// EventBridge.
    pub fn eventbridge(&self) -> aws_sdk_eventbridge::Client {
        aws_sdk_eventbridge::Client::new(&self.config)
    }

    /// SNS.
    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.config)
    }

    /// API Gateway (v1: REST APIs).
    pub fn apigateway(&self) -> aws_sdk_apigateway::Client {
        aws_sdk_apigateway::Client::new(&self.config)
    }

    /// EventBridge Scheduler.
    pub fn scheduler(&self) -> aws_sdk_scheduler::Client {
        aws_sdk_scheduler::Client::new(&self.config)
    }

    /// SES (v2: email identities).
    pub fn sesv2(&self) -> aws_sdk_sesv2::Client {
        aws_sdk_sesv2::Client::new(&self.config)
    }
}

/// The partition of a region and its DNS suffix: (`aws`, `amazonaws.com`), (`aws-cn`,
/// `amazonaws.com.cn`) or (`aws-us-gov`, `amazonaws.com`), for ARNs and endpoints eco writes.
pub fn partition(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else {
        ("aws", "amazonaws.com")
    }
}

/// Error codes AWS uses for "no such resource", across services.
const NOT_FOUND_CODES: &[&str] = &[
    "NoSuchBucket",
    "NotFound",
    "NoSuchEntity",
    "ResourceNotFoundException",
    "NoSuchKey",
    "404",
];

/// Errors a later attempt may not meet: the AWS SDK standard retry strategy's throttling and
/// transient codes (eco turns the SDK's own retries off, so the engine's retry policy must know
/// them), and the codes AWS services answer a 5xx with.
const RETRYABLE_CODES: &[&str] = &[
    // Throttling.
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    // Not LimitExceededException: outside throttling it means a quota is used up (see
    // `quota_used_up`); where a service uses it for a passing condition, its type's transient
    // rules say so (DynamoDB's concurrent table operations).
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    // Transient.
    "RequestTimeout",
    "RequestTimeoutException",
    "OperationAborted",
    // A 5xx answer, by service.
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "InternalErrorException",
    "InternalServerError",
    "InternalServerErrorException",
    "InternalServerException",
    "InternalServiceError",
    "InternalServiceErrorException",
    "ServiceException",
    "ServiceFailure",
];

const CONFLICT_CODES: &[&str] = &[
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "EntityAlreadyExists",
    "ResourceInUseException",
    "ConflictException",
    "ConcurrentModification",
    "DeleteConflict",
];

/// The AWS error code of an SDK error, if it has one.
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

/// Whether the error says the resource does not exist.
pub fn is_not_found<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    match err {
        SdkError::ServiceError(e) => e.err().code().is_some_and(|c| NOT_FOUND_CODES.contains(&c)),
        _ => false,
    }
}

/// Whether the error carries one of these AWS error codes.
pub fn has_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>, codes: &[&str]) -> bool {
    error_code(err).is_some_and(|c| codes.contains(&c))
}

/// Whether the error says the resource does not exist, counting API Gateway's and Lambda's
/// `NotFoundException` too.
pub fn is_gone<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    is_not_found(err) || error_code(err) == Some("NotFoundException")
}

/// The HTTP status of a raw SDK response (every SDK call's is an HTTP response).
fn status_of<R: 'static>(raw: &R) -> Option<u16> {
    (raw as &dyn std::any::Any)
        .downcast_ref::<aws_smithy_runtime_api::http::Response>()
        .map(|r| r.status().as_u16())
}

/// An [`OpError`] for `operation` from an SDK error, classified for the engine's retry policy.
pub fn op_error<E, R>(operation: &str, err: SdkError<E, R>) -> OpError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let kind = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            ErrorKind::Retryable
        }
        SdkError::ServiceError(e) => match e.err().code() {
            Some(c) if RETRYABLE_CODES.contains(&c) => ErrorKind::Retryable,
            Some(c) if CONFLICT_CODES.contains(&c) => ErrorKind::Conflict,
            Some(c)
                if c.starts_with("Invalid")
                    || c.starts_with("Malformed")
                    || c == "ValidationException"
                    || c == "ValidationError" =>
            {
                ErrorKind::Invalid
            }
            // An answer without a code (S3 answers HEAD requests with no body): its status says
            // whether it was throttling or a failure on AWS's side.
            None if status_of(e.raw()).is_some_and(|s| s == 429 || s >= 500) => {
                ErrorKind::Retryable
            }
            _ => ErrorKind::Other,
        },
        _ => ErrorKind::Other,
    };
    let mut message = match &err {
        SdkError::ServiceError(e) => match (e.err().code(), e.err().message()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (Some(code), None) => code.to_string(),
            _ => failure_message(&err),
        },
        _ => failure_message(&err),
    };
    let mut kind = kind;
    if let SdkError::ServiceError(e) = &err {
        if let Some(quota) = e
            .err()
            .code()
            .and_then(|c| quota_used_up(c, e.err().message().unwrap_or_default()))
        {
            kind = ErrorKind::Other;
            message = format!(
                "{message} (a service quota is used up: {quota}; retrying cannot help: raise it \
                 in the Service Quotas console or AWS Support, or free what uses it)"
            );
        }
    }
    let code = error_code(&err).map(str::to_string);
    let mut error = OpError::new(operation, kind, message).with_source(err);
    error.code = code;
    error
}

/// The quota an error says is used up (its name, as AWS's message or code gives it), or `None`
/// when the error is not about a quota. Codes: `LimitExceededException` (IAM's
/// `LimitExceeded`), `ServiceQuotaExceededException`, Lambda's `CodeStorageExceededException`,
/// and the `TooMany...` codes that count resources (CloudFront, S3) — not throttling's
/// `TooManyRequestsException`. A type whose service uses one of these for a passing condition
/// lists it among its transient rules, which the engine checks first.
pub fn quota_used_up(code: &str, message: &str) -> Option<String> {
    let counts = matches!(
        code,
        "LimitExceededException"
            | "LimitExceeded"
            | "ServiceQuotaExceededException"
            | "QuotaExceededException"
            | "CodeStorageExceededException"
    ) || (code.starts_with("TooMany") && !code.starts_with("TooManyRequests"));
    if !counts {
        return None;
    }
    // IAM: "Cannot exceed quota for RolesPerAccount: 1000".
    let lower = message.to_ascii_lowercase();
    if let Some(at) = lower.find("quota for ") {
        let name: String = message[at + "quota for ".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if !name.is_empty() {
            return Some(name);
        }
    }
    // CloudFront and S3 name the quota in the code: TooManyDistributions, TooManyBuckets.
    if code.starts_with("TooMany") {
        return Some(code.to_string());
    }
    // Otherwise the message is the name ("you have reached your limit of 2500 certificates").
    let said = message.trim().trim_end_matches('.');
    Some(if said.is_empty() {
        code.to_string()
    } else {
        format!("\"{said}\"")
    })
}

/// The message of a failure that is not an answer from AWS (no credentials, no connection, a
/// timeout): its causes in order, each once, without the SDK's debug dump. Credentials that
/// could not be loaded say so first, with where eco looked.
pub fn failure_message(err: &(dyn std::error::Error + 'static)) -> String {
    use aws_credential_types::provider::error::CredentialsError;
    let mut causes: Vec<String> = Vec::new();
    let mut no_credentials = false;
    let mut next = Some(err);
    while let Some(e) = next {
        no_credentials |= e.downcast_ref::<CredentialsError>().is_some();
        let text = e.to_string();
        if !text.is_empty() && !causes.iter().any(|c| c.contains(&text)) {
            causes.push(text);
        }
        next = e.source();
    }
    if no_credentials {
        let last = causes.last().cloned().unwrap_or_default();
        return format!(
            "no AWS credentials could be loaded (eco looked in the environment \
             (AWS_ACCESS_KEY_ID, AWS_PROFILE), the shared config and credentials files, SSO, web \
             identity, and container and instance metadata); the last place tried said: {last}"
        );
    }
    causes.join(": ")
}

/// Reads each listed id in turn (the second half of every type's `list`): what vanished since the
/// listing is skipped; the first error ends it.
/// Runs `read` on every item, at most `limit` at a time; the answers in the items' order. The
/// first error is the answer.
pub(crate) async fn each_concurrently<I, T, F, Fut>(
    items: Vec<I>,
    limit: usize,
    read: F,
) -> Result<Vec<T>, OpError>
where
    F: Fn(I) -> Fut,
    Fut: std::future::Future<Output = Result<T, OpError>>,
{
    use std::pin::Pin;
    let mut pending: Vec<Pin<Box<Fut>>> = Vec::new();
    let mut out = Vec::with_capacity(items.len());
    let mut items = items.into_iter();
    // Windows of `limit` calls in flight, in order: simple, and as fast as a pool when the
    // calls take about as long as each other (one kind of read against one service).
    loop {
        pending.extend(items.by_ref().take(limit.max(1)).map(|i| Box::pin(read(i))));
        if pending.is_empty() {
            return Ok(out);
        }
        for answer in join_all(std::mem::take(&mut pending)).await {
            out.push(answer?);
        }
    }
}

/// Awaits every future, concurrently; the answers in order.
async fn join_all<F: std::future::Future + Unpin>(mut futures: Vec<F>) -> Vec<F::Output> {
    let mut answers: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (future, answer) in futures.iter_mut().zip(answers.iter_mut()) {
            if answer.is_none() {
                match std::future::Future::poll(std::pin::Pin::new(future), cx) {
                    std::task::Poll::Ready(a) => *answer = Some(a),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    answers
        .into_iter()
        .map(|a| a.expect("every future answered"))
        .collect()
}

/// A type's `list` answer from a listing of ids (or its error): each id read with `read`,
/// those gone meanwhile left out.
pub(crate) async fn read_listed<T, F, Fut>(
    ids: Result<Vec<String>, OpError>,
    read: F,
) -> Option<Result<Vec<T>, OpError>>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, OpError>>,
{
    Some(match ids {
        Ok(ids) => read_each(ids, read).await,
        Err(e) => Err(e),
    })
}

pub(crate) async fn read_each<T, F, Fut>(ids: Vec<String>, mut read: F) -> Result<Vec<T>, OpError>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, OpError>>,
{
    let mut out = Vec::new();
    for id in ids {
        if let Some(found) = read(id).await? {
            out.push(found);
        }
    }
    Ok(out)
}

/// Top-level attributes of `desired` whose value differs from `live`, leaving out `skip` (eco-only
/// settings) and values not known yet: what an adopting create must still update.
pub(crate) fn differing(
    desired: &eco_provider::Attrs,
    live: &eco_provider::Attrs,
    skip: &[&str],
) -> Vec<String> {
    desired
        .iter()
        .filter(|(k, v)| {
            !skip.contains(&k.as_str()) && !matches!(v, Value::Unknown) && live.get(*k) != Some(*v)
        })
        .map(|(k, _)| k.clone())
        .collect()
}

/// An [`Aws`] for unit tests that only build requests: its endpoint (a closed port on loopback)
/// answers nothing.
#[cfg(test)]
pub fn offline() -> Aws {
    Aws::for_endpoint("http://127.0.0.1:9", "us-east-1")
}

/// Whether the error says the resource does not exist: a not-found code, or an HTTP 404 answer
/// that carries no error code at all (a REST answer whose status is all it says).
pub fn is_not_found_or_bare_404<E: ProvideErrorMetadata, R: 'static>(err: &SdkError<E, R>) -> bool {
    match err {
        SdkError::ServiceError(e) => {
            is_not_found(err) || (e.err().code().is_none() && status_of(e.raw()) == Some(404))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    /// The SDK's own retries are off: what it used to retry must be retryable for the engine.
    #[test]
    fn throttling_transient_and_server_side_codes_are_retryable() {
        for (code, status, kind) in [
            ("PriorRequestNotComplete", 400, ErrorKind::Retryable),
            ("RequestThrottledException", 400, ErrorKind::Retryable),
            ("RequestTimeout", 400, ErrorKind::Retryable),
            ("InternalServerError", 500, ErrorKind::Retryable),
            ("ServiceException", 500, ErrorKind::Retryable),
            ("ServiceUnavailableException", 503, ErrorKind::Retryable),
            ("ConflictException", 409, ErrorKind::Conflict),
            ("InvalidParameterValueException", 400, ErrorKind::Invalid),
            ("NoSuchBucket", 404, ErrorKind::Other),
            ("TooManyRequestsException", 429, ErrorKind::Retryable),
        ] {
            let meta = ErrorMetadata::builder().code(code).message("m").build();
            let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
            let error = op_error("Op", SdkError::service_error(meta, raw));
            assert_eq!(error.kind, kind, "{code}");
            assert_eq!(error.code.as_deref(), Some(code));
            assert_eq!(error.to_string(), format!("Op: {code}: m"));
        }
    }

    /// S3 answers a throttled HEAD with 503 and no body, hence no code: retryable by its status.
    #[test]
    fn an_answer_without_a_code_is_retryable_by_its_status() {
        for (status, kind) in [
            (503, ErrorKind::Retryable),
            (500, ErrorKind::Retryable),
            (429, ErrorKind::Retryable),
            (403, ErrorKind::Other),
        ] {
            let meta = ErrorMetadata::builder().build();
            let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
            let error = op_error("HeadBucket", SdkError::service_error(meta, raw));
            assert_eq!(error.kind, kind, "{status}");
        }
    }

    /// A used-up quota is final at once (never retried) and its message names the quota.
    #[test]
    fn a_used_up_quota_is_final_and_named() {
        for (code, message, named) in [
            (
                "LimitExceeded",
                "Cannot exceed quota for RolesPerAccount: 1000",
                "RolesPerAccount",
            ),
            (
                "LimitExceededException",
                "Error: you have reached your limit of 2500 certificates in the last year.",
                "you have reached your limit of 2500 certificates",
            ),
            (
                "TooManyDistributions",
                "Your request contains too many distributions.",
                "TooManyDistributions",
            ),
            (
                "TooManyBuckets",
                "You have attempted to create more buckets than allowed",
                "TooManyBuckets",
            ),
        ] {
            let meta = ErrorMetadata::builder().code(code).message(message).build();
            let raw = Response::new(StatusCode::try_from(400).unwrap(), SdkBody::empty());
            let error = op_error("CreateRole", SdkError::service_error(meta, raw));
            assert_eq!(error.kind, ErrorKind::Other, "{code}");
            assert!(
                error.message.contains("a service quota is used up")
                    && error.message.contains(named),
                "{}",
                error.message
            );
        }
        assert_eq!(
            quota_used_up("TooManyRequestsException", "Rate exceeded"),
            None
        );
        assert_eq!(quota_used_up("ThrottlingException", "Rate exceeded"), None);
    }
}

//! A latency-injecting HTTP proxy in front of moto: every request waits `latency` before it is
//! forwarded, as if AWS were that far away. Bound to 127.0.0.1 only.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// Starts the proxy on a free loopback port in front of `upstream` (`http://127.0.0.1:PORT`);
/// returns its endpoint. It runs until the runtime stops.
pub async fn start(upstream: String, latency: Duration) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr: SocketAddr = listener.local_addr()?;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build_http();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let client = client.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let client = client.clone();
                    let upstream = upstream.clone();
                    async move { Ok::<_, Infallible>(forward(&client, &upstream, req, latency).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(format!("http://{addr}"))
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

async fn forward(
    client: &HttpClient,
    upstream: &str,
    req: Request<Incoming>,
    latency: Duration,
) -> Response<Full<Bytes>> {
    tokio::time::sleep(latency).await;
    let (mut parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return bad_gateway(format!("reading the request: {e}")),
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    parts.uri = match format!("{upstream}{path}").parse::<Uri>() {
        Ok(u) => u,
        Err(e) => return bad_gateway(format!("upstream address: {e}")),
    };
    match client
        .request(Request::from_parts(parts, Full::new(body)))
        .await
    {
        Ok(resp) => {
            let (parts, body) = resp.into_parts();
            match body.collect().await {
                Ok(b) => Response::from_parts(parts, Full::new(b.to_bytes())),
                Err(e) => bad_gateway(format!("reading the answer: {e}")),
            }
        }
        Err(e) => bad_gateway(format!("forwarding: {e}")),
    }
}

fn bad_gateway(message: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(message)));
    *r.status_mut() = hyper::StatusCode::BAD_GATEWAY;
    r
}

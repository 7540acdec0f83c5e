//! Test harness for eco's end-to-end tests.
//!
//! [`Moto::start`] launches `moto_server -H 127.0.0.1 -p 0` (loopback only, a free port picked by
//! the server), waits until it answers, and stops it when dropped. A missing moto is a test
//! failure with the install command, never a skip. [`Moto::env`] gives the environment an `eco`
//! process needs to talk to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The moto version every machine tests against (see DESIGN.md).
pub const MOTO_VERSION: &str = "5.2.5";

/// A running moto server; stopped on drop.
pub struct Moto {
    child: Child,
    port: u16,
}

/// The workspace root (where `.venv/` lives when `scripts/test` made it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/support sits two levels below the workspace root")
        .to_path_buf()
}

fn moto_server_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ECO_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let venv = workspace_root().join(".venv/bin/moto_server");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("moto_server")
}

impl Moto {
    /// Starts a fresh moto server on 127.0.0.1 and waits until it answers.
    ///
    /// Panics (failing the test) with an install hint when moto cannot be started.
    pub fn start() -> Moto {
        let path = moto_server_path();
        // The request recorder writes to a file: keep it out of the working tree.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let recording = std::env::temp_dir().join(format!(
            "eco-moto-recording-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        let mut child = Command::new(&path)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .env("MOTO_RECORDER_FILEPATH", &recording)
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .env("MOTO_ACM_VALIDATION_WAIT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start moto's server ({}): {e}\n\
                     install it with: python3 -m venv .venv && .venv/bin/pip install 'moto[server]=={MOTO_VERSION}'\n\
                     (or run scripts/test, which does this), or set ECO_MOTO_SERVER to its path",
                    path.display()
                )
            });
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut line = String::new();
            let mut sent = false;
            let mut log = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if !sent {
                    log.push_str(&line);
                    if let Some(rest) = line.split("Running on http://127.0.0.1:").nth(1) {
                        let port: String =
                            rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                        if let Ok(port) = port.parse::<u16>() {
                            let _ = tx.send(Ok(port));
                            sent = true;
                        }
                    }
                }
                line.clear();
            }
            if !sent {
                let _ = tx.send(Err(log));
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(port)) => port,
            Ok(Err(log)) => {
                let _ = child.kill();
                panic!("moto's server exited before listening:\n{log}");
            }
            Err(_) => {
                let _ = child.kill();
                panic!("moto's server did not report its port within 60 s");
            }
        };
        let moto = Moto { child, port };
        moto.wait_ready();
        moto
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.http("GET", "/moto-api/data.json").is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "moto's server on port {} did not answer within 30 s",
            self.port
        );
    }

    /// The port moto listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Environment for an `eco` (or AWS SDK) process that talks to this server as account
    /// 123456789012 in us-east-1.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_SESSION_TOKEN", "testing".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_DEFAULT_REGION", "us-east-1".to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
            (
                "AWS_CONFIG_FILE",
                "/nonexistent/eco-test-aws-config".to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/eco-test-aws-credentials".to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Clears all of moto's state (`POST /moto-api/reset`).
    pub fn reset(&self) {
        self.http("POST", "/moto-api/reset")
            .expect("moto reset failed");
    }

    /// Starts moto's request recorder (every AWS call from now on is logged).
    pub fn start_recording(&self) {
        self.http("POST", "/moto-api/recorder/reset-recording")
            .expect("moto recorder reset");
        self.http("POST", "/moto-api/recorder/start-recording")
            .expect("moto recorder start");
    }

    /// Stops the recorder and returns every AWS call made since [`Moto::start_recording`].
    pub fn recorded_calls(&self) -> Vec<RecordedCall> {
        self.http("POST", "/moto-api/recorder/stop-recording")
            .expect("moto recorder stop");
        let log = self
            .http("GET", "/moto-api/recorder/download-recording")
            .expect("moto recorder download");
        log.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| RecordedCall::from_json(&v))
            .collect()
    }

    /// A raw HTTP request to moto's own API; returns the response body.
    pub fn http(&self, method: &str, path: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        if !response.starts_with("HTTP/1.") {
            return Err(std::io::Error::other("not an HTTP response"));
        }
        Ok(response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default())
    }
}

/// One AWS call moto received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    pub method: String,
    pub url: String,
    /// The operation, as far as the request names it: the `X-Amz-Target` operation (JSON
    /// protocols), the `Action=` parameter (query protocols), else `METHOD path` (REST).
    pub operation: String,
    pub body: String,
}

impl RecordedCall {
    fn from_json(v: &serde_json::Value) -> RecordedCall {
        let method = v["method"].as_str().unwrap_or_default().to_string();
        let url = v["url"].as_str().unwrap_or_default().to_string();
        let raw_body = v["body"].as_str().unwrap_or_default();
        let body = if v["body_encoded"].as_bool() == Some(true) {
            decode_base64(raw_body)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_else(|| raw_body.to_string())
        } else {
            raw_body.to_string()
        };
        let header = |name: &str| {
            v["headers"].as_object().and_then(|h| {
                h.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| v.as_str())
            })
        };
        let action = |text: &str| {
            text.split(['&', '?'])
                .find_map(|kv| kv.strip_prefix("Action="))
                .map(str::to_string)
        };
        let path = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or("/")
            .to_string();
        let operation = header("X-Amz-Target")
            .map(|t| t.rsplit('.').next().unwrap_or(t).to_string())
            .or_else(|| action(&body))
            .or_else(|| action(&url))
            .unwrap_or_else(|| format!("{method} {path}"));
        RecordedCall {
            method,
            url,
            operation,
            body,
        }
    }
}

impl RecordedCall {
    /// The operation with what names a resource left out, so that calls count by operation:
    /// a REST call as its method and sub-resource (`GET ?versioning`, `HEAD ?` for S3's
    /// HeadBucket, `GET /2013-04-01/hostedzone?` for Route53); other protocols' operation names
    /// as they are.
    pub fn group(&self) -> String {
        if !self.operation.starts_with(&format!("{} /", self.method)) {
            return self.operation.clone();
        }
        let (path, query) = self.url.split_once('?').unwrap_or((&self.url, ""));
        let sub = query.split(['=', '&']).next().unwrap_or("");
        let path = path.split_once("://").map(|(_, r)| r).unwrap_or(path);
        let path = path.find('/').map(|i| &path[i..]).unwrap_or("/");
        // Versioned REST APIs (Route53's `/2013-04-01/...`) keep their shape: the version and
        // the fixed lower-case words; names and ids go.
        if path.as_bytes().get(1).is_some_and(u8::is_ascii_digit) {
            let shape: Vec<&str> = path
                .split('/')
                .enumerate()
                .filter(|(i, seg)| {
                    *i == 1 || (!seg.is_empty() && seg.chars().all(|c| c.is_ascii_lowercase()))
                })
                .map(|(_, seg)| seg)
                .collect();
            return format!("{} /{}?{sub}", self.method, shape.join("/"));
        }
        format!("{} ?{sub}", self.method)
    }
}

/// Standard base64 (moto's recorder encodes bodies with it).
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The AWS-behaviour proxy (`tests/support/aws_proxy.py`) in front of a moto server: it answers
/// scripted requests with the errors real AWS gives while it is not yet consistent (in each
/// service's protocol: status, code, JSON or XML body) and passes the rest to moto. Point eco at
/// [`AwsProxy::endpoint`] exactly as at moto. Stopped on drop. See the script for the rules.
pub struct AwsProxy {
    child: Child,
    port: u16,
    upstream: String,
    _rules: tempfile_path::TempPath,
}

/// The Python the proxy runs with: `ECO_PYTHON`, else `python3`.
fn python() -> PathBuf {
    std::env::var_os("ECO_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"))
}

impl AwsProxy {
    /// Starts the proxy on 127.0.0.1 in front of `moto`, with `rules` (a JSON array).
    pub fn start(moto: &Moto, rules: &serde_json::Value) -> AwsProxy {
        let rules_file = tempfile_path::TempPath::new("eco-aws-proxy-rules", ".json");
        std::fs::write(rules_file.path(), rules.to_string()).expect("write the proxy's rules");
        let script = workspace_root().join("tests/support/aws_proxy.py");
        let mut child = Command::new(python())
            .arg(&script)
            .arg(moto.endpoint())
            .arg(rules_file.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start the AWS-behaviour proxy with python3 (set ECO_PYTHON): {e}")
            });
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout is piped"))
            .read_line(&mut line)
            .expect("the proxy prints its port");
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("the AWS-behaviour proxy did not start: {line:?}")
            });
        AwsProxy {
            child,
            port,
            upstream: moto.endpoint(),
            _rules: rules_file,
        }
    }

    /// The endpoint URL to give eco (`AWS_ENDPOINT_URL`).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// [`Moto::env`] with the endpoint pointing at the proxy.
    pub fn env(&self, moto: &Moto) -> Vec<(String, String)> {
        moto.env()
            .into_iter()
            .map(|(k, v)| {
                if k == "AWS_ENDPOINT_URL" {
                    (k, self.endpoint())
                } else {
                    (k, v)
                }
            })
            .collect()
    }

    /// Per rule (by name): calls it matched, errors it answered, the most matching calls in
    /// flight at once.
    pub fn stats(&self) -> serde_json::Value {
        let body = http_get(self.port, "/_proxy/stats").expect("the proxy answers its stats");
        serde_json::from_str(&body).expect("the proxy's stats are JSON")
    }

    /// How many errors the rule `name` answered.
    pub fn injected(&self, name: &str) -> u64 {
        self.stats()[name]["injected"].as_u64().unwrap_or(0)
    }

    /// The moto endpoint behind the proxy.
    pub fn upstream(&self) -> &str {
        &self.upstream
    }
}

impl Drop for AwsProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A GET to 127.0.0.1:`port`; the response body.
fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default())
}

/// A file path in the temporary directory, removed on drop.
mod tempfile_path {
    use std::path::{Path, PathBuf};

    pub struct TempPath(PathBuf);

    impl TempPath {
        pub fn new(prefix: &str, suffix: &str) -> TempPath {
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            TempPath(
                std::env::temp_dir().join(format!("{prefix}-{}-{n}{suffix}", std::process::id())),
            )
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// The configuration the parse and graph benchmarks share: `resources` resources (a third each
/// buckets, tables and roles), the roles referencing the other two.
pub fn bench_configuration(resources: usize) -> String {
    use std::fmt::Write as _;

    let mut s = String::from(
        "project \"bench\"\nstage \"dev\" { account \"123456789012\"; region \"us-east-1\" }\n",
    );
    for i in 0..resources / 3 {
        let _ = write!(
            s,
            r#"
s3-bucket "b{i}" {{
    name "bench-${{stage}}-{i}"
    versioning #true
    tags team="platform" n="{i}"
}}
dynamodb-table "t{i}" {{
    name "bench-${{stage}}-{i}"
    hash-key "pk" type="S"
    billing-mode "PAY_PER_REQUEST"
    gsi "by-owner" hash-key="owner" type="S"
}}
iam-role "r{i}" {{
    name "bench-{i}-${{s3-bucket.b{i}.name}}"
    assume-service "lambda.amazonaws.com"
    description "reads ${{dynamodb-table.t{i}.arn}}"
}}
"#
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moto_starts_answers_and_resets() {
        let moto = Moto::start();
        assert!(moto.port() > 0);
        assert!(moto
            .http("GET", "/moto-api/data.json")
            .unwrap()
            .contains('{'));
        moto.reset();
    }
}

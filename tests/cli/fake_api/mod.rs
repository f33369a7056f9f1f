//! A fake model API on 127.0.0.1 for the real agent CLIs: Anthropic Messages for Claude Code,
//! OpenAI Responses for Codex. Standard library networking, a thread per connection,
//! keep-alive, and scripted answers (see `script`).
//!
//! Every request is appended to a JSON-lines log (method, target, headers, body, status),
//! together with the step the fake model chose, for reading when a test fails.

mod anthropic;
mod chat;
mod gemini;
pub mod github;
mod http;
mod openai;
mod script;
mod selftest;

use std::fs::File;
use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

use http::{Request, Response};
pub use script::{Conversation, Step};

/// How the fake API fails its model requests, for the failure-kind tests. Other requests
/// (Claude Code's `HEAD /`, token counts) are answered as usual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // the failure-kind tests use them as they are written
pub enum Failure {
    /// Answer every model request.
    None,
    /// 401 to every model request, with each API's authentication error.
    Unauthorized,
    /// 429 to the first `times` model requests, saying the limit resets in `reset_secs`
    /// (`retry-after` and the APIs' reset headers), then answer as usual.
    RateLimited { times: u32, reset_secs: u64 },
    /// Read model requests and never answer them (the connection stays open).
    Stalled,
}

pub struct FakeApi {
    addr: SocketAddr,
    recorder: Arc<Recorder>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl FakeApi {
    /// Listen on a free port of 127.0.0.1, logging to `log`.
    pub fn start(log: &Path) -> FakeApi {
        FakeApi::start_failing(log, Failure::None)
    }

    /// Like [`FakeApi::start`], failing model requests as `failure` says.
    pub fn start_failing(log: &Path, failure: Failure) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let recorder = Arc::new(Recorder {
            log: Mutex::new(File::create(log).expect("creating the API log")),
            path: log.to_owned(),
            steps: Mutex::new(Vec::new()),
            ids: AtomicU64::new(1),
            failure,
            failed: AtomicU64::new(0),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let (recorder, stop) = (recorder.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let recorder = recorder.clone();
                        std::thread::spawn(move || serve(stream, &recorder));
                    }
                }
            })
        };
        FakeApi {
            addr,
            recorder,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The steps the fake model took in main conversations, in order, on either API.
    pub fn steps(&self) -> Vec<Step> {
        self.recorder.steps.lock().unwrap().clone()
    }

    /// The main conversation as each model request carried it, in order, on either API
    /// (what the user said, what the tools answered), from the log.
    pub fn conversations(&self) -> Vec<Conversation> {
        let text = std::fs::read_to_string(&self.recorder.path).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|entry| entry["method"] == "POST" && entry["body"].is_object())
            .filter_map(|entry| {
                let target = entry["target"].as_str().unwrap_or("");
                let path = target.split('?').next().unwrap_or("");
                if path == "/v1/messages" {
                    anthropic::main_conversation(&entry["body"])
                } else if path == "/v1/responses" {
                    Some(openai::conversation(&entry["body"]))
                } else {
                    None
                }
            })
            .collect()
    }

    /// One line per request (`METHOD target -> status`), step and connection error, from the log.
    pub fn summary(&self) -> String {
        let text = std::fs::read_to_string(&self.recorder.path).unwrap_or_default();
        let mut out = format!("log {}\n", self.recorder.path.display());
        for entry in text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        {
            let line = match (&entry["method"], &entry["step"]) {
                (Value::String(method), _) => {
                    format!(
                        "{method} {} -> {}",
                        entry["target"].as_str().unwrap_or(""),
                        entry["status"]
                    )
                }
                (_, Value::String(step)) => format!("  step {step}"),
                _ => entry.to_string(),
            };
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor so it sees the flag; connection threads end on their read timeout.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// What the server saw: the request log and the model's steps.
pub struct Recorder {
    log: Mutex<File>,
    path: PathBuf,
    steps: Mutex<Vec<Step>>,
    ids: AtomicU64,
    failure: Failure,
    /// Model requests failed so far.
    failed: AtomicU64,
}

impl Recorder {
    fn write(&self, entry: &Value) {
        let mut log = self.log.lock().unwrap();
        let _ = writeln!(log, "{entry}");
    }

    /// Record the step the fake model took on `api`.
    pub fn step(&self, api: &str, step: &Step) {
        self.steps.lock().unwrap().push(step.clone());
        self.write(&json!({ "step": format!("{api}: {step:?}") }));
    }

    /// A fresh number for ids of messages and tool calls.
    pub fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::SeqCst)
    }

    fn request(&self, request: &Request, status: u16) {
        let body = match request.json() {
            Some(value) => value,
            None => Value::String(String::from_utf8_lossy(&request.body).into_owned()),
        };
        let headers: serde_json::Map<String, Value> = request
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), Value::String(v.clone())))
            .collect();
        self.write(&json!({
            "method": request.method, "target": request.target, "status": status,
            "headers": headers, "body": body,
        }));
    }
}

fn serve(stream: TcpStream, recorder: &Recorder) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        match http::read_request(&mut reader) {
            Ok(Some(request)) => {
                let response = route(&request, recorder);
                recorder.request(&request, response.status);
                if http::write_response(&mut writer, &request, &response).is_err()
                    || request.wants_close()
                {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                recorder.write(&json!({ "connection_error": e.to_string() }));
                return;
            }
        }
    }
}

fn route(request: &Request, recorder: &Recorder) -> Response {
    // Codex tries a websocket first; a 404 sends it to plain HTTP.
    if request.header("upgrade").is_some() {
        return Response::empty(404);
    }
    if request
        .header("content-encoding")
        .is_some_and(|e| !e.eq_ignore_ascii_case("identity"))
    {
        return Response::json(
            415,
            &json!({ "error": "compressed bodies are not supported" }),
        );
    }
    let path = request.path();
    if request.method == "POST" && is_model_request(path) {
        if let Some(response) = failure(recorder, path) {
            return response;
        }
    }
    match request.method.as_str() {
        // Claude Code checks that the base URL answers.
        "HEAD" => Response::empty(200),
        "POST" if path.starts_with("/v1/messages") => anthropic::handle(request, recorder),
        "POST" if path == "/v1/responses" => openai::handle(request, recorder),
        "POST" if path.ends_with("/chat/completions") => chat::handle(request, recorder),
        "POST" if path.starts_with("/v1beta/models/") => gemini::handle(request, recorder),
        _ => Response::json(
            404,
            &json!({ "error": format!("the fake API has no {} {path}", request.method) }),
        ),
    }
}

/// The requests that ask the model for an answer, on any of the APIs.
fn is_model_request(path: &str) -> bool {
    (path.starts_with("/v1/messages") && !path.ends_with("/count_tokens"))
        || path == "/v1/responses"
        || path.ends_with("/chat/completions")
        || path.contains(":generateContent")
        || path.contains(":streamGenerateContent")
}

/// The failure the API is set to give this request, if any: each API's own error body, as
/// the CLIs read it (Anthropic's `{"type":"error","error":{...}}`, OpenAI's `{"error":{...}}`
/// with a `code`, Google's `status`).
fn failure(recorder: &Recorder, path: &str) -> Option<Response> {
    let api = Api::of(path);
    match recorder.failure {
        Failure::None => None,
        Failure::Unauthorized => {
            recorder.failed.fetch_add(1, Ordering::SeqCst);
            let body = match api {
                Api::Anthropic => json!({
                    "type": "error",
                    "error": { "type": "authentication_error", "message": "invalid x-api-key" },
                }),
                Api::OpenAi => json!({
                    "error": {
                        "message": "Incorrect API key provided: test-key. You can find your API key at https://platform.openai.com/account/api-keys.",
                        "type": "invalid_request_error", "param": null, "code": "invalid_api_key",
                    },
                }),
                Api::Other => json!({
                    "type": "error",
                    "error": {
                        "type": "authentication_error", "code": 401,
                        "status": "UNAUTHENTICATED",
                        "message": "invalid x-api-key: Incorrect API key provided",
                    },
                }),
            };
            Some(Response::json(401, &body))
        }
        Failure::RateLimited { times, reset_secs } => {
            if recorder.failed.fetch_add(1, Ordering::SeqCst) >= u64::from(times) {
                return None;
            }
            let reset = std::time::SystemTime::now() + Duration::from_secs(reset_secs);
            let message = format!("Rate limit reached. Please try again in {reset_secs}s.");
            let body = match api {
                Api::Anthropic => json!({
                    "type": "error",
                    "error": { "type": "rate_limit_error", "message": message },
                }),
                Api::OpenAi => json!({
                    "error": {
                        "message": message, "type": "requests", "param": null,
                        "code": "rate_limit_exceeded",
                    },
                }),
                Api::Other => json!({
                    "type": "error",
                    "error": {
                        "type": "rate_limit_error", "code": 429,
                        "status": "RESOURCE_EXHAUSTED", "message": message,
                    },
                }),
            };
            let mut response = Response::json(429, &body);
            response.headers = vec![
                ("retry-after".into(), reset_secs.to_string()),
                (
                    "x-ratelimit-reset-requests".into(),
                    format!("{reset_secs}s"),
                ),
                (
                    "anthropic-ratelimit-requests-reset".into(),
                    humantime::format_rfc3339_seconds(reset).to_string(),
                ),
            ];
            Some(response)
        }
        Failure::Stalled => {
            recorder.failed.fetch_add(1, Ordering::SeqCst);
            // Never answer: hold the connection until the test ends.
            std::thread::sleep(Duration::from_secs(600));
            Some(Response::empty(504))
        }
    }
}

/// Which API a model request speaks, for the shape of its errors.
enum Api {
    Anthropic,
    OpenAi,
    Other,
}

impl Api {
    fn of(path: &str) -> Api {
        if path.starts_with("/v1/messages") {
            Api::Anthropic
        } else if path == "/v1/responses" || path.ends_with("/chat/completions") {
            Api::OpenAi
        } else {
            Api::Other
        }
    }
}

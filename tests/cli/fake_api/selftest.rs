//! The HTTP paths the installed CLIs do not take today: chunked request bodies, several
//! requests on one keep-alive connection, HEAD, a refused websocket upgrade, non-streaming
//! answers; and, without the CLIs installed, the answers Codex's default model needs and the
//! APIs' error shapes. Raw bytes over a socket, so no HTTP client is needed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use super::{Failure, FakeApi, Step};

/// Read one response: status, headers (lowercased names) and body (none for HEAD).
fn response(reader: &mut BufReader<TcpStream>, head: bool) -> (u16, String, String) {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut headers = String::new();
    let mut length = 0;
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(n) = lower.strip_prefix("content-length:") {
            length = n.trim().parse().unwrap();
        }
        headers.push_str(&lower);
    }
    let mut body = vec![0; if head { 0 } else { length }];
    reader.read_exact(&mut body).unwrap();
    (status, headers, String::from_utf8(body).unwrap())
}

#[test]
fn chunked_bodies_keep_alive_head_and_a_refused_upgrade() {
    let tmp = tempfile::tempdir().unwrap();
    let api = FakeApi::start(&tmp.path().join("api.jsonl"));
    let mut stream = TcpStream::connect(api.base_url().trim_start_matches("http://")).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());

    let body = r#"{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}]}"#;
    let (a, b) = body.split_at(20);
    let chunked = format!(
        "POST /v1/messages?beta=true HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    stream.write_all(chunked.as_bytes()).unwrap();
    let (status, headers, text) = response(&mut reader, false);
    assert_eq!(status, 200, "{text}");
    assert!(headers.contains("connection: keep-alive"), "{headers}");
    let message: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(message["content"][0]["text"], "OK", "{text}");
    assert_eq!(message["stop_reason"], "end_turn");

    stream
        .write_all(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(response(&mut reader, true).0, 200);

    let count = "POST /v1/messages/count_tokens?beta=true HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";
    stream.write_all(count.as_bytes()).unwrap();
    assert_eq!(response(&mut reader, false).2, r#"{"input_tokens":42}"#);

    let upgrade = "GET /v1/responses HTTP/1.1\r\nUpgrade: websocket\r\nConnection: close\r\n\r\n";
    stream.write_all(upgrade.as_bytes()).unwrap();
    let (status, headers, _) = response(&mut reader, false);
    assert_eq!(status, 404);
    assert!(headers.contains("connection: close"), "{headers}");
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "the server closes after Connection: close");

    let summary = api.summary();
    for expected in [
        "POST /v1/messages?beta=true -> 200",
        "HEAD / -> 200",
        "GET /v1/responses -> 404",
    ] {
        assert!(summary.contains(expected), "{summary}");
    }
}

/// POST `body` to `target` on a fresh connection; status and body.
fn post(api: &FakeApi, target: &str, body: &serde_json::Value) -> (u16, String) {
    let mut stream = TcpStream::connect(api.base_url().trim_start_matches("http://")).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let body = body.to_string();
    let request = format!(
        "POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let (status, _, text) = response(&mut reader, false);
    (status, text)
}

/// The `data:` objects of a server-sent event stream.
fn events(sse: &str) -> Vec<serde_json::Value> {
    sse.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[test]
fn codex_default_model_gets_scripts_for_its_javascript_exec_tool() {
    use serde_json::json;
    let tmp = tempfile::tempdir().unwrap();
    let api = FakeApi::start(&tmp.path().join("api.jsonl"));
    // Codex 0.171's default model: no `tools`, a namespaced freeform `exec` tool instead.
    let offer = json!({ "type": "additional_tools", "role": "developer", "tools": [
        { "type": "namespace", "name": "functions", "tools": [
            { "type": "custom", "name": "exec", "format": { "type": "grammar" } },
        ] },
    ] });
    let user = |text: &str| {
        json!({ "type": "message", "role": "user",
        "content": [{ "type": "input_text", "text": text }] })
    };
    let mut input = vec![offer, user("Read .claude/tasks/t.md and implement it.")];
    let call = |input: &[serde_json::Value]| {
        let (status, sse) = post(
            &api,
            "/v1/responses",
            &json!({ "stream": true, "input": input }),
        );
        assert_eq!(status, 200, "{sse}");
        let done = events(&sse)
            .into_iter()
            .find(|e| e["type"] == "response.completed")
            .unwrap();
        let usage = &done["response"]["usage"];
        assert!(
            usage["input_tokens_details"]["cached_tokens"]
                .as_u64()
                .unwrap()
                > 0
        );
        done["response"]["output"][0].clone()
    };
    let read = call(&input);
    assert_eq!(read["type"], "custom_tool_call", "{read}");
    assert_eq!(read["name"], "exec");
    let script = read["input"].as_str().unwrap();
    assert!(script.contains("tools.exec_command"), "{script}");
    assert!(script.contains(r#"cat '.claude/tasks/t.md'"#), "{script}");

    input.push(read.clone());
    input.push(
        json!({ "type": "custom_tool_call_output", "call_id": read["call_id"],
        "output": "Create a.txt containing \"x\". Then Run `echo ran > ran.txt`." }),
    );
    let write = call(&input);
    let script = write["input"].as_str().unwrap();
    assert!(
        script.contains("tools.apply_patch") && script.contains("*** Add File: a.txt\\n+x\\n"),
        "{script}"
    );

    input.push(write.clone());
    input.push(
        json!({ "type": "custom_tool_call_output", "call_id": write["call_id"], "output": "ok" }),
    );
    let run = call(&input);
    let script = run["input"].as_str().unwrap();
    assert!(script.contains(r#"cmd: "echo ran > ran.txt""#), "{script}");
    assert_eq!(
        api.steps(),
        [
            Step::Read(".claude/tasks/t.md".into()),
            Step::Write {
                path: "a.txt".into(),
                content: "x\n".into()
            },
            Step::Run("echo ran > ran.txt".into()),
        ]
    );
}

#[test]
fn failures_answer_in_each_apis_own_error_shape() {
    use serde_json::{json, Value};
    let tmp = tempfile::tempdir().unwrap();
    let api = FakeApi::start_failing(&tmp.path().join("api.jsonl"), Failure::Unauthorized);
    let (status, text) = post(&api, "/v1/messages?beta=true", &json!({ "messages": [] }));
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((status, &body["type"]), (401, &json!("error")), "{text}");
    assert_eq!(body["error"]["type"], "authentication_error", "{text}");
    let (status, text) = post(&api, "/v1/responses", &json!({ "input": [] }));
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("invalid_api_key")),
        "{text}"
    );

    let limited = Failure::RateLimited {
        times: 1,
        reset_secs: 7,
    };
    let api = FakeApi::start_failing(&tmp.path().join("429.jsonl"), limited);
    let (status, text) = post(&api, "/v1/responses", &json!({ "input": [] }));
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (status, &body["error"]["code"]),
        (429, &json!("rate_limit_exceeded")),
        "{text}"
    );
    assert!(text.contains("try again in 7s"), "{text}");
    let (status, _) = post(
        &api,
        "/v1/responses",
        &json!({ "stream": true, "input": [] }),
    );
    assert_eq!(status, 200, "only the first request is limited");
}

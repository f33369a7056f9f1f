//! The HTTP paths the installed CLIs do not take today: chunked request bodies, several
//! requests on one keep-alive connection, HEAD, a refused websocket upgrade, non-streaming
//! answers. Raw bytes over a socket, so no HTTP client is needed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use super::FakeApi;

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

//! OpenAI Chat Completions, as qwen, opencode and Copilot call it: `POST .../chat/completions`,
//! streaming (`stream: true`) or not.
//!
//! The main conversation is a request that offers a tool to write files; the fake model
//! acts through the tools the request offers, found by their names and filled in by their
//! parameter schemas (`file_path`, `filePath`, `path`…). Anything else (session titles,
//! summaries) gets a short text answer.

use serde_json::{json, Value};

use super::http::{Request, Response};
use super::script::{Conversation, Step};
use super::Recorder;

/// Each CLI's names for the tools the script needs, most likely first.
const READ: &[&str] = &["read_file", "read", "view", "Read"];
const WRITE: &[&str] = &["write_file", "write", "create", "Write"];
const RUN: &[&str] = &["run_shell_command", "bash", "shell", "Bash"];

pub fn handle(request: &Request, recorder: &Recorder) -> Response {
    let Some(body) = request.json() else {
        return error(400, "the body is not JSON");
    };
    let model = body["model"].as_str().unwrap_or("fake-model").to_owned();
    let tools = Tools::of(&body);
    let id = recorder.next_id();
    let (text, call) = match tools.write {
        Some(_) => {
            let step = conversation(&body).next_step();
            recorder.step("chat", &step);
            let texts: Vec<String> = body["messages"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| text_of(&m["content"]))
                .collect();
            tools.answer(step, working_directory(&texts).as_deref(), id)
        }
        None => (Some(side_answer(&body)), None),
    };
    let finish = if call.is_some() { "tool_calls" } else { "stop" };
    let chat_id = format!("chatcmpl-fake-{id}");
    if body["stream"] == true {
        stream(&chat_id, &model, text.as_deref(), call.as_ref(), finish)
    } else {
        let mut message = json!({ "role": "assistant", "content": text });
        if let Some(call) = &call {
            message["tool_calls"] = json!([call]);
        }
        Response::json(
            200,
            &json!({
                "id": chat_id, "object": "chat.completion", "created": 0, "model": model,
                "choices": [{ "index": 0, "message": message, "finish_reason": finish }],
                "usage": usage(),
            }),
        )
    }
}

fn usage() -> Value {
    json!({
        "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
        "prompt_tokens_details": { "cached_tokens": 2 },
    })
}

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &json!({ "error": { "message": message, "type": "invalid_request_error", "code": null } }),
    )
}

/// The tools of the request the script can use: (name, parameter schema).
struct Tools<'a> {
    read: Option<(&'a str, &'a Value)>,
    write: Option<(&'a str, &'a Value)>,
    run: Option<(&'a str, &'a Value)>,
}

impl<'a> Tools<'a> {
    fn of(body: &'a Value) -> Tools<'a> {
        let offered: Vec<(&str, &Value)> = body["tools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let f = &t["function"];
                Some((f["name"].as_str()?, &f["parameters"]))
            })
            .collect();
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| offered.iter().find(|(name, _)| name == n).copied())
        };
        Tools {
            read: find(READ),
            write: find(WRITE),
            run: find(RUN),
        }
    }

    /// The assistant's text or tool call for `step`.
    fn answer(&self, step: Step, cwd: Option<&str>, id: u64) -> (Option<String>, Option<Value>) {
        let absolute = |path: String| match cwd {
            Some(cwd) if !path.starts_with('/') => format!("{cwd}/{path}"),
            _ => path,
        };
        let (tool, args) = match step {
            Step::Read(path) => (self.read, vec![(PATH, absolute(path))]),
            Step::Write { path, content } => {
                (self.write, vec![(PATH, absolute(path)), (CONTENT, content)])
            }
            Step::Run(command) => (self.run, vec![(COMMAND, command)]),
            Step::Finish(text) => return (Some(text), None),
        };
        let Some((name, schema)) = tool else {
            return (
                Some("The request offers no tool I know for this.".into()),
                None,
            );
        };
        let call = json!({
            "id": format!("call_fake_{id}"), "type": "function",
            "function": { "name": name, "arguments": arguments(schema, &args).to_string() },
        });
        (None, Some(call))
    }
}

const PATH: &[&str] = &["file_path", "filePath", "absolute_path", "path"];
const CONTENT: &[&str] = &["content", "file_text", "text"];
const COMMAND: &[&str] = &["command", "cmd"];

/// Arguments for a tool with this parameter schema: each value under the first of its
/// names the schema has, and every other required string parameter given a short text.
fn arguments(schema: &Value, values: &[(&[&str], String)]) -> Value {
    let properties = schema["properties"].as_object();
    let has = |name: &str| properties.is_some_and(|p| p.contains_key(name));
    let mut args = serde_json::Map::new();
    for (names, value) in values {
        let name = names.iter().find(|n| has(n)).unwrap_or(&names[0]);
        args.insert((*name).to_owned(), json!(value));
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        let Some(name) = name.as_str() else { continue };
        if !args.contains_key(name) {
            let kind = &schema["properties"][name]["type"];
            let value = match kind.as_str() {
                Some("boolean") => json!(false),
                Some("number" | "integer") => json!(30),
                _ => json!("what the task asks"),
            };
            args.insert(name.to_owned(), value);
        }
    }
    Value::Object(args)
}

/// The user's text and the tool results, from the `messages` array.
fn conversation(body: &Value) -> Conversation {
    let mut c = Conversation {
        user_texts: Vec::new(),
        tool_results: Vec::new(),
    };
    for message in body["messages"].as_array().into_iter().flatten() {
        match message["role"].as_str() {
            Some("user") => c.user_texts.push(text_of(&message["content"])),
            Some("tool") => c.tool_results.push(text_of(&message["content"])),
            _ => {}
        }
    }
    c
}

/// The agent's working directory, as its system prompt or first user turn states it.
pub(super) fn working_directory(texts: &[String]) -> Option<String> {
    const MARKERS: &[&str] = &[
        "I'm currently working in the directory: ",
        "Current working directory: ",
        "Working directory: ",
        "working directory: ",
        "<cwd>",
    ];
    texts.iter().find_map(|text| {
        MARKERS.iter().find_map(|marker| {
            let start = text.find(marker)? + marker.len();
            let rest = &text[start..];
            let end = rest.find(['\n', '<', '`']).unwrap_or(rest.len());
            let dir = rest[..end].trim();
            dir.starts_with('/').then(|| dir.to_owned())
        })
    })
}

/// Text from a string or an array of content parts.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// Helper calls (titles, summaries): a JSON object when one is asked for, else text.
fn side_answer(body: &Value) -> String {
    if body["response_format"]["type"] == "json_object"
        || body["response_format"]["type"] == "json_schema"
    {
        return json!({ "title": "Fake session" }).to_string();
    }
    "Fake session".to_owned()
}

/// The answer as `chat.completion.chunk` events, text and tool call each in two pieces, the
/// usage in a last chunk, then `[DONE]`.
fn stream(
    id: &str,
    model: &str,
    text: Option<&str>,
    call: Option<&Value>,
    finish: &str,
) -> Response {
    let chunk = |delta: Value, finish: Value| {
        json!({
            "id": id, "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
        })
    };
    let mut chunks = vec![chunk(
        json!({ "role": "assistant", "content": "" }),
        Value::Null,
    )];
    if let Some(text) = text {
        let half = text
            .char_indices()
            .nth(text.chars().count() / 2)
            .map_or(0, |(i, _)| i);
        for part in [&text[..half], &text[half..]] {
            chunks.push(chunk(json!({ "content": part }), Value::Null));
        }
    }
    if let Some(call) = call {
        let arguments = call["function"]["arguments"].as_str().unwrap_or("{}");
        let half = arguments.len() / 2;
        let half = (half..arguments.len())
            .find(|&i| arguments.is_char_boundary(i))
            .unwrap_or(arguments.len());
        chunks.push(chunk(
            json!({ "tool_calls": [{
                "index": 0, "id": call["id"], "type": "function",
                "function": { "name": call["function"]["name"], "arguments": &arguments[..half] },
            }] }),
            Value::Null,
        ));
        chunks.push(chunk(
            json!({ "tool_calls": [{ "index": 0, "function": { "arguments": &arguments[half..] } }] }),
            Value::Null,
        ));
    }
    chunks.push(chunk(json!({}), json!(finish)));
    let mut last = chunk(json!({}), Value::Null);
    last["choices"] = json!([]);
    last["usage"] = usage();
    chunks.push(last);
    let mut body = String::new();
    for data in chunks {
        body.push_str(&format!("data: {data}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    Response {
        status: 200,
        content_type: "text/event-stream",
        body: body.into_bytes(),
        headers: Vec::new(),
    }
}

/// One request over a fresh connection, closed after it: the status and the body.
#[cfg(test)]
pub(super) fn post(api: &super::FakeApi, target: &str, body: &Value) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = api.base_url().trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let body = body.to_string();
    let request = format!(
        "POST {target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

#[test]
fn tool_calls_follow_the_offered_tools_streaming_or_not() {
    let tmp = tempfile::tempdir().unwrap();
    let api = super::FakeApi::start(&tmp.path().join("api.jsonl"));
    let tool = |name: &str, properties: Value, required: Value| {
        json!({ "type": "function", "function": { "name": name, "parameters": {
            "type": "object", "properties": properties, "required": required,
        } } })
    };
    let tools = json!([
        tool(
            "view",
            json!({ "path": {"type": "string"} }),
            json!(["path"])
        ),
        tool(
            "create",
            json!({ "path": {"type": "string"}, "file_text": {"type": "string"} }),
            json!(["path", "file_text"]),
        ),
        tool(
            "bash",
            json!({ "command": {"type": "string"}, "description": {"type": "string"} }),
            json!(["command", "description"]),
        ),
    ]);
    let user = "Working directory: /w\nCreate a.txt containing \"x\". Run `echo hi`.";
    let mut body = json!({
        "model": "m", "stream": false, "tools": tools,
        "messages": [{ "role": "system", "content": "sys" }, { "role": "user", "content": user }],
    });
    let (status, text) = post(&api, "/v1/chat/completions", &body);
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    let call = &answer["choices"][0]["message"]["tool_calls"][0]["function"];
    assert_eq!(call["name"], "create", "{text}");
    let args: Value = serde_json::from_str(call["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args, json!({ "path": "/w/a.txt", "file_text": "x\n" }));
    assert_eq!(answer["choices"][0]["finish_reason"], "tool_calls");

    // After the write, the command, streamed: the arguments arrive in two pieces.
    body["stream"] = json!(true);
    body["messages"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "role": "tool", "tool_call_id": "c1", "content": "created" }));
    let (status, text) = post(&api, "/v1/chat/completions", &body);
    assert_eq!(status, 200, "{text}");
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    let arguments: String = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|c| {
            c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    let args: Value = serde_json::from_str(&arguments).unwrap();
    assert_eq!(args["command"], "echo hi");
    assert!(args["description"].is_string(), "required: {args}");

    // A request without a write tool is a helper call: plain text.
    let title = json!({ "model": "m", "messages": [{ "role": "user", "content": "title?" }] });
    let (_, text) = post(&api, "/v1/chat/completions", &title);
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["choices"][0]["message"]["content"], "Fake session");
    assert_eq!(api.steps().len(), 2);
}

//! Anthropic Messages API, as Claude Code calls it: `POST /v1/messages?beta=true`, streaming
//! (`stream: true`) or not, plus `count_tokens`.
//!
//! The main conversation is the request that offers the `Write` tool; everything else Claude
//! Code sends (session titles, small helper calls) gets a short text answer.

use serde_json::{json, Value};

use super::http::{Request, Response};
use super::script::{Conversation, Step};
use super::Recorder;

pub fn handle(request: &Request, recorder: &Recorder) -> Response {
    if request.path().ends_with("/count_tokens") {
        return Response::json(200, &json!({ "input_tokens": 42 }));
    }
    let Some(body) = request.json() else {
        return error(400, "invalid_request_error", "the body is not JSON");
    };
    let model = body["model"].as_str().unwrap_or("claude-fake").to_owned();
    let blocks = if let Some(conversation) = main_conversation(&body) {
        let step = conversation.next_step();
        recorder.step("anthropic", &step);
        match working_directory(&body) {
            Some(cwd) => blocks_for(step, &cwd, recorder.next_id()),
            None => vec![text_block(
                "I cannot find the working directory in the system prompt.",
            )],
        }
    } else {
        vec![text_block(&side_answer(&body))]
    };
    let stop_reason = if blocks.iter().any(|b| b["type"] == "tool_use") {
        "tool_use"
    } else {
        "end_turn"
    };
    let id = format!("msg_fake_{}", recorder.next_id());
    if body["stream"] == true {
        Response::sse(&stream_events(&id, &model, &blocks, stop_reason))
    } else {
        Response::json(
            200,
            &json!({
                "id": id, "type": "message", "role": "assistant", "model": model,
                "content": blocks, "stop_reason": stop_reason, "stop_sequence": null,
                "usage": usage(),
            }),
        )
    }
}

/// Usage as a real conversation reports it: most of the prompt (system prompt, tools) read
/// from the cache, a little written to it, a few new tokens.
fn usage() -> Value {
    json!({
        "input_tokens": 12, "output_tokens": OUTPUT_TOKENS,
        "cache_creation_input_tokens": 300, "cache_read_input_tokens": 9000,
    })
}

const OUTPUT_TOKENS: u64 = 40;

fn error(status: u16, kind: &str, message: &str) -> Response {
    Response::json(
        status,
        &json!({ "type": "error", "error": { "type": kind, "message": message } }),
    )
}

fn text_block(text: &str) -> Value {
    json!({ "type": "text", "text": text })
}

fn blocks_for(step: Step, cwd: &str, id: u64) -> Vec<Value> {
    let tool = |name: &str, input: Value| json!({ "type": "tool_use", "id": format!("toolu_fake_{id}"), "name": name, "input": input });
    match step {
        Step::Read(path) => vec![tool(
            "Read",
            json!({ "file_path": format!("{cwd}/{path}") }),
        )],
        Step::Write { path, content } => vec![tool(
            "Write",
            json!({ "file_path": format!("{cwd}/{path}"), "content": content }),
        )],
        Step::Run(command) => vec![tool("Bash", json!({ "command": command }))],
        Step::Finish(text) => vec![text_block(&text)],
    }
}

/// The conversation of a request in the main conversation, the one that offers the `Write`
/// and `Read` tools (helper calls offer none).
pub(super) fn main_conversation(body: &Value) -> Option<Conversation> {
    let offers = |name: &str| {
        body["tools"]
            .as_array()
            .is_some_and(|tools| tools.iter().any(|t| t["name"] == name))
    };
    (offers("Write") && offers("Read")).then(|| conversation(body))
}

/// The user's text and the tool results, from the `messages` array.
fn conversation(body: &Value) -> Conversation {
    let mut c = Conversation {
        user_texts: Vec::new(),
        tool_results: Vec::new(),
    };
    for message in body["messages"].as_array().into_iter().flatten() {
        if message["role"] != "user" {
            continue;
        }
        match &message["content"] {
            Value::String(text) => c.user_texts.push(text.clone()),
            Value::Array(blocks) => {
                for block in blocks {
                    match block["type"].as_str() {
                        Some("text") => c.user_texts.push(text_of(&block["text"])),
                        Some("tool_result") => c.tool_results.push(text_of(&block["content"])),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    c
}

/// Text from a string or from an array of text blocks.
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

/// Claude Code's system prompt says `Primary working directory: /abs/path`.
fn working_directory(body: &Value) -> Option<String> {
    let system = text_of(&body["system"]);
    let marker = "Primary working directory: ";
    let start = system.find(marker)? + marker.len();
    let line = system[start..].lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_owned())
}

/// Helper calls: a JSON object when an output schema is asked for (session titles), else text.
fn side_answer(body: &Value) -> String {
    let schema = &body["output_config"]["format"]["schema"];
    if schema.is_object() {
        let mut object = serde_json::Map::new();
        for name in schema["required"].as_array().into_iter().flatten() {
            if let Some(name) = name.as_str() {
                object.insert(name.to_owned(), json!("Fake session"));
            }
        }
        return Value::Object(object).to_string();
    }
    "OK".to_owned()
}

fn stream_events(id: &str, model: &str, blocks: &[Value], stop_reason: &str) -> Vec<Value> {
    let mut events = vec![json!({
        "type": "message_start",
        "message": {
            "id": id, "type": "message", "role": "assistant", "model": model,
            "content": [], "stop_reason": null, "stop_sequence": null, "usage": usage(),
        },
    })];
    for (index, block) in blocks.iter().enumerate() {
        let (start, delta) = if block["type"] == "tool_use" {
            let mut start = block.clone();
            start["input"] = json!({});
            let partial = block["input"].to_string();
            (
                start,
                json!({ "type": "input_json_delta", "partial_json": partial }),
            )
        } else {
            (
                json!({ "type": "text", "text": "" }),
                json!({ "type": "text_delta", "text": block["text"] }),
            )
        };
        events
            .push(json!({ "type": "content_block_start", "index": index, "content_block": start }));
        events.push(json!({ "type": "content_block_delta", "index": index, "delta": delta }));
        events.push(json!({ "type": "content_block_stop", "index": index }));
    }
    events.push(json!({
        "type": "message_delta",
        "delta": { "stop_reason": stop_reason, "stop_sequence": null },
        "usage": { "output_tokens": OUTPUT_TOKENS },
    }));
    events.push(json!({ "type": "message_stop" }));
    events
}

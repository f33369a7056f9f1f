//! OpenAI Responses API, as Codex calls it: `POST /v1/responses` with `stream: true`.
//!
//! The model acts through Codex's shell tool: `exec_command` (`{"cmd": "..."}`) when the
//! request offers it, else the older `shell` (`{"command": [argv]}`).

use serde_json::{json, Value};

use super::http::{Request, Response};
use super::script::{shell_quote, Conversation, Step};
use super::Recorder;

pub fn handle(request: &Request, recorder: &Recorder) -> Response {
    let Some(body) = request.json() else {
        return error(400, "the body is not JSON");
    };
    let model = body["model"].as_str().unwrap_or("fake-model").to_owned();
    let step = conversation(&body).next_step();
    recorder.step("openai", &step);
    let id = recorder.next_id();
    let item = match step {
        Step::Read(path) => shell_call(&body, format!("cat {}", shell_quote(&path)), id),
        Step::Write { path, content } => shell_call(
            &body,
            format!(
                "printf '%s' {} > {}",
                shell_quote(&content),
                shell_quote(&path)
            ),
            id,
        ),
        Step::Run(command) => shell_call(&body, command, id),
        Step::Finish(text) => message(&text, id),
    };
    let response_id = format!("resp_fake_{id}");
    let response = |status: &str, output: Value| {
        json!({
            "id": response_id, "object": "response", "created_at": 0, "model": model,
            "status": status, "output": output, "usage": usage(),
        })
    };
    let mut events = vec![
        json!({ "type": "response.created", "response": response("in_progress", json!([])) }),
        json!({ "type": "response.output_item.added", "output_index": 0, "item": item }),
    ];
    if item["type"] == "message" {
        events.push(json!({
            "type": "response.output_text.delta", "item_id": item["id"], "output_index": 0,
            "content_index": 0, "delta": item["content"][0]["text"],
        }));
    }
    events.push(json!({ "type": "response.output_item.done", "output_index": 0, "item": item }));
    events.push(
        json!({ "type": "response.completed", "response": response("completed", json!([item])) }),
    );
    for (n, event) in events.iter_mut().enumerate() {
        event["sequence_number"] = json!(n);
    }
    Response::sse(&events)
}

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &json!({ "error": { "message": message, "type": "invalid_request_error", "code": null } }),
    )
}

fn usage() -> Value {
    json!({
        "input_tokens": 10, "input_tokens_details": { "cached_tokens": 0 },
        "output_tokens": 5, "output_tokens_details": { "reasoning_tokens": 0 },
        "total_tokens": 15,
    })
}

fn message(text: &str, id: u64) -> Value {
    json!({
        "type": "message", "id": format!("msg_fake_{id}"), "role": "assistant",
        "status": "completed",
        "content": [{ "type": "output_text", "text": text, "annotations": [] }],
    })
}

/// A call to the shell tool the request offers, or a message saying there is none.
fn shell_call(body: &Value, cmd: String, id: u64) -> Value {
    let offers = |name: &str| {
        body["tools"]
            .as_array()
            .is_some_and(|tools| tools.iter().any(|t| t["name"] == name))
    };
    let (name, arguments) = if offers("exec_command") {
        ("exec_command", json!({ "cmd": cmd }))
    } else if offers("shell") {
        ("shell", json!({ "command": ["bash", "-c", cmd] }))
    } else {
        return message("The request offers no shell tool I know.", id);
    };
    json!({
        "type": "function_call", "id": format!("fc_fake_{id}"), "call_id": format!("call_fake_{id}"),
        "name": name, "arguments": arguments.to_string(), "status": "completed",
    })
}

/// The user's text and the tool outputs, from the `input` array.
fn conversation(body: &Value) -> Conversation {
    let mut c = Conversation {
        user_texts: Vec::new(),
        tool_results: Vec::new(),
    };
    for item in body["input"].as_array().into_iter().flatten() {
        match item["type"].as_str() {
            Some("message") if item["role"] == "user" => {
                c.user_texts.push(text_of(&item["content"]));
            }
            Some("function_call_output" | "custom_tool_call_output") => {
                c.tool_results.push(text_of(&item["output"]));
            }
            _ => {}
        }
    }
    c
}

/// Text from a string, an array of content parts, or an object with `content`.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Object(o) => o.get("content").map(text_of).unwrap_or_default(),
        _ => String::new(),
    }
}

//! OpenAI Responses API, as Codex calls it: `POST /v1/responses` with `stream: true`.
//!
//! The model acts through Codex's shell tool: `exec_command` (`{"cmd": "..."}`) when the
//! request offers it, else the older `shell` (`{"command": [argv]}`). Codex 0.171's default
//! model is offered neither in `tools` but a JavaScript `exec` tool in an `additional_tools`
//! input item; the fake then answers with a script calling the nested `exec_command`, or
//! `apply_patch` to write a file, as that model does.

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
        Step::Write { path, content } => write_call(&body, &path, &content, id),
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

/// Usage as a real turn reports it: `input_tokens` counts the cached ones too, and
/// `output_tokens` the reasoning ones.
fn usage() -> Value {
    json!({
        "input_tokens": 5000, "input_tokens_details": { "cached_tokens": 4096 },
        "output_tokens": 60, "output_tokens_details": { "reasoning_tokens": 20 },
        "total_tokens": 5060,
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
    let tools = offered_tools(body);
    let offers =
        |kind: &str, name: &str| tools.iter().any(|t| t["type"] == kind && t["name"] == name);
    if offers("function", "exec_command") {
        function_call("exec_command", &json!({ "cmd": cmd }), id)
    } else if offers("function", "shell") {
        function_call("shell", &json!({ "command": ["bash", "-c", cmd] }), id)
    } else if offers("custom", "exec") {
        let script = format!(
            "const r = await tools.exec_command({{ cmd: {} }});\ntext(r.output);",
            Value::String(cmd)
        );
        custom_call("exec", &script, id)
    } else {
        message("The request offers no shell tool I know.", id)
    }
}

/// Write a file: with `apply_patch` inside the JavaScript `exec` tool when that is what the
/// request offers (Codex then reports a `file_change`), else with a shell command.
fn write_call(body: &Value, path: &str, content: &str, id: u64) -> Value {
    let tools = offered_tools(body);
    if tools
        .iter()
        .any(|t| t["type"] == "custom" && t["name"] == "exec")
    {
        let mut patch = format!("*** Begin Patch\n*** Add File: {path}\n");
        for line in content.lines() {
            patch.push_str(&format!("+{line}\n"));
        }
        patch.push_str("*** End Patch\n");
        let script = format!(
            "const r = await tools.apply_patch({});\ntext(r);",
            Value::String(patch)
        );
        return custom_call("exec", &script, id);
    }
    let cmd = format!(
        "printf '%s' {} > {}",
        shell_quote(content),
        shell_quote(path)
    );
    shell_call(body, cmd, id)
}

fn function_call(name: &str, arguments: &Value, id: u64) -> Value {
    json!({
        "type": "function_call", "id": format!("fc_fake_{id}"), "call_id": format!("call_fake_{id}"),
        "name": name, "arguments": arguments.to_string(), "status": "completed",
    })
}

/// A call to a freeform tool, whose input is plain text.
fn custom_call(name: &str, input: &str, id: u64) -> Value {
    json!({
        "type": "custom_tool_call", "id": format!("ctc_fake_{id}"),
        "call_id": format!("call_fake_{id}"), "name": name, "input": input,
        "status": "completed",
    })
}

/// Every tool the request offers: in `tools` and in `additional_tools` input items, with
/// namespaces opened.
fn offered_tools(body: &Value) -> Vec<&Value> {
    fn open<'a>(tools: &'a Value, out: &mut Vec<&'a Value>) {
        for tool in tools.as_array().into_iter().flatten() {
            if tool["type"] == "namespace" {
                open(&tool["tools"], out);
            } else {
                out.push(tool);
            }
        }
    }
    let mut out = Vec::new();
    open(&body["tools"], &mut out);
    for item in body["input"].as_array().into_iter().flatten() {
        if item["type"] == "additional_tools" {
            open(&item["tools"], &mut out);
        }
    }
    out
}

/// The user's text and the tool outputs, from the `input` array.
pub(super) fn conversation(body: &Value) -> Conversation {
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

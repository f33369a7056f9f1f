//! The Gemini API, as Gemini CLI calls it: `POST /v1beta/models/<model>:streamGenerateContent?alt=sse`
//! and `:generateContent`, plus `:countTokens`.
//!
//! The main conversation is a request that offers `write_file`; the fake model answers it
//! with `functionCall` parts for the tools the request declares, filled in from their
//! parameter schemas. Helper calls (the next-speaker check, routing) that ask for JSON get
//! an object made from their schema; others a short text.

use serde_json::{json, Value};

use super::http::{Request, Response};
use super::script::{Conversation, Step};
use super::Recorder;

pub fn handle(request: &Request, recorder: &Recorder) -> Response {
    let path = request.path();
    if path.ends_with(":countTokens") {
        return Response::json(200, &json!({ "totalTokens": 42 }));
    }
    let Some(body) = request.json() else {
        return error(400, "the body is not JSON");
    };
    let model = path
        .rsplit('/')
        .next()
        .and_then(|m| m.split(':').next())
        .unwrap_or("gemini-fake")
        .to_owned();
    let declared: Vec<(&str, &Value)> = body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["functionDeclarations"].as_array().into_iter().flatten())
        .filter_map(|f| {
            let schema = f.get("parametersJsonSchema").unwrap_or(&f["parameters"]);
            Some((f["name"].as_str()?, schema))
        })
        .collect();
    let tool = |name: &str| declared.iter().find(|(n, _)| *n == name).copied();
    let part = if tool("write_file").is_some() {
        let conversation = conversation(&body);
        let step = conversation.next_step();
        recorder.step("gemini", &step);
        let mut texts = conversation.user_texts.clone();
        texts.push(text_of(&body["systemInstruction"]));
        let cwd = super::chat::working_directory(&texts);
        let absolute = |path: String| match &cwd {
            Some(cwd) if !path.starts_with('/') => format!("{cwd}/{path}"),
            _ => path,
        };
        let call = |name: &str, values: &[(&[&str], String)]| match tool(name) {
            Some((name, schema)) => json!({ "functionCall": {
                "id": format!("call_fake_{}", recorder.next_id()),
                "name": name, "args": arguments(schema, values),
            } }),
            None => json!({ "text": format!("The request offers no {name} tool.") }),
        };
        match step {
            Step::Read(path) => call("read_file", &[(PATH, absolute(path))]),
            Step::Write { path, content } => call(
                "write_file",
                &[(PATH, absolute(path)), (&["content"], content)],
            ),
            Step::Run(command) => call("run_shell_command", &[(&["command"], command)]),
            Step::Finish(text) => json!({ "text": text }),
        }
    } else {
        json!({ "text": side_answer(&body) })
    };
    let answer = json!({
        "candidates": [{
            "content": { "role": "model", "parts": [part] },
            "finishReason": "STOP", "index": 0,
        }],
        "usageMetadata": {
            "promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15,
            "cachedContentTokenCount": 2,
        },
        "modelVersion": model,
        "responseId": format!("resp_fake_{}", recorder.next_id()),
    });
    if path.ends_with(":streamGenerateContent") {
        Response {
            status: 200,
            content_type: "text/event-stream",
            body: format!("data: {answer}\r\n\r\n").into_bytes(),
            headers: Vec::new(),
        }
    } else {
        Response::json(200, &answer)
    }
}

const PATH: &[&str] = &["file_path", "absolute_path", "path"];

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &json!({ "error": { "code": status, "message": message, "status": "INVALID_ARGUMENT" } }),
    )
}

/// Each value under the first of its names the schema has.
fn arguments(schema: &Value, values: &[(&[&str], String)]) -> Value {
    let has = |name: &str| schema["properties"].get(name).is_some();
    let mut args = serde_json::Map::new();
    for (names, value) in values {
        let name = names.iter().find(|n| has(n)).unwrap_or(&names[0]);
        args.insert((*name).to_owned(), json!(value));
    }
    Value::Object(args)
}

/// The user's text and the function responses, from `contents`.
fn conversation(body: &Value) -> Conversation {
    let mut c = Conversation {
        user_texts: Vec::new(),
        tool_results: Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    for content in body["contents"].as_array().into_iter().flatten() {
        if content["role"] != "user" {
            continue;
        }
        for part in content["parts"].as_array().into_iter().flatten() {
            if let Some(text) = part["text"].as_str() {
                c.user_texts.push(text.to_owned());
            } else if let Some(response) = part.get("functionResponse") {
                // A resumed session's history repeats each response; count it once.
                if let Some(id) = response["id"].as_str() {
                    if !seen.insert(id.to_owned()) {
                        continue;
                    }
                }
                let output = &response["response"];
                let text = output["output"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| output.to_string());
                c.tool_results.push(text);
            }
        }
    }
    c
}

/// The text parts of a content (the system instruction).
fn text_of(content: &Value) -> String {
    content["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// An object made from a requested JSON schema (each required property: its first enum
/// value, or a short text), else a word.
fn side_answer(body: &Value) -> String {
    let config = &body["generationConfig"];
    let schema = config
        .get("responseJsonSchema")
        .or_else(|| config.get("responseSchema"));
    let Some(schema) = schema.filter(|s| s.is_object()) else {
        return "OK".to_owned();
    };
    let mut object = serde_json::Map::new();
    for name in schema["required"].as_array().into_iter().flatten() {
        let Some(name) = name.as_str() else { continue };
        let property = &schema["properties"][name];
        let value = match property["enum"].get(0) {
            Some(first) => first.clone(),
            None => json!("The fake model has no reason."),
        };
        object.insert(name.to_owned(), value);
    }
    Value::Object(object).to_string()
}

#[test]
fn function_calls_follow_the_declared_tools_and_helpers_get_their_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let api = super::FakeApi::start(&tmp.path().join("api.jsonl"));
    let declare = |name: &str, properties: Value| json!({ "name": name, "parametersJsonSchema": { "type": "object", "properties": properties } });
    let body = json!({
        "contents": [{ "role": "user", "parts": [{ "text": "Read t.md" }] }],
        "tools": [{ "functionDeclarations": [
            declare("read_file", json!({ "file_path": {} })),
            declare("write_file", json!({ "file_path": {}, "content": {} })),
        ] }],
    });
    let target = "/v1beta/models/gemini-x:generateContent";
    let (status, text) = super::chat::post(&api, target, &body);
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    let call = &answer["candidates"][0]["content"]["parts"][0]["functionCall"];
    assert_eq!(call["name"], "read_file", "{text}");
    assert_eq!(call["args"], json!({ "file_path": "t.md" }));
    assert_eq!(answer["modelVersion"], "gemini-x");

    let stream = "/v1beta/models/gemini-x:streamGenerateContent?alt=sse";
    let (_, text) = super::chat::post(&api, stream, &body);
    let data = text.strip_prefix("data: ").unwrap().trim_end();
    let event: Value = serde_json::from_str(data).unwrap();
    let streamed = &event["candidates"][0]["content"]["parts"][0]["functionCall"];
    assert_eq!(streamed["name"], "read_file", "{text}");
    assert_eq!(event["usageMetadata"]["promptTokenCount"], 10);

    let helper = json!({
        "contents": [{ "role": "user", "parts": [{ "text": "who speaks next?" }] }],
        "generationConfig": { "responseJsonSchema": {
            "type": "object", "required": ["next_speaker"],
            "properties": { "next_speaker": { "enum": ["user", "model"] } },
        } },
    });
    let (_, text) = super::chat::post(&api, target, &helper);
    let answer: Value = serde_json::from_str(&text).unwrap();
    let said = answer["candidates"][0]["content"]["parts"][0]["text"]
        .as_str()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(said).unwrap(),
        json!({ "next_speaker": "user" })
    );
}

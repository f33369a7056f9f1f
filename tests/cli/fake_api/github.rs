//! A fake GitHub for `gh`: its GraphQL API on 127.0.0.1, reached as the host
//! `github.localhost`, which gh speaks plain HTTP to (as it does for a GitHub instance run on
//! one's own machine) through `HTTP_PROXY`. It keeps the pull requests gh creates and edits, so
//! a test reads what reached the forge. A title containing `refuse` gets a GraphQL error.

use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::http::{read_request, write_response, Response};

/// One pull request as the fake holds it.
#[derive(Debug, Clone)]
pub struct PullRequest {
    pub number: u64,
    pub head: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub draft: bool,
}

#[derive(Default)]
struct Forge {
    pulls: Vec<PullRequest>,
}

pub struct FakeGithub {
    pub port: u16,
    forge: Arc<Mutex<Forge>>,
}

impl FakeGithub {
    pub fn start() -> FakeGithub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let forge = Arc::new(Mutex::new(Forge::default()));
        let shared = Arc::clone(&forge);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let forge = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &forge));
            }
        });
        FakeGithub { port, forge }
    }

    pub fn pulls(&self) -> Vec<PullRequest> {
        self.forge.lock().unwrap().pulls.clone()
    }

    /// The environment that points `gh` here, with a config directory of its own.
    pub fn gh_env(&self, cmd: &mut assert_cmd::Command, home: &std::path::Path) {
        let proxy = format!("http://127.0.0.1:{}", self.port);
        cmd.env("GH_HOST", "github.localhost")
            .env("GH_ENTERPRISE_TOKEN", "test-token")
            .env("GH_TOKEN", "test-token")
            .env("GH_CONFIG_DIR", home.join("gh"))
            .env("GH_NO_UPDATE_NOTIFIER", "1")
            .env("HTTP_PROXY", &proxy)
            .env("http_proxy", &proxy)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy");
    }
}

fn serve(stream: TcpStream, forge: &Mutex<Forge>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = read_request(&mut reader) {
        let response = match request.json() {
            Some(body) if request.path().ends_with("/graphql") => {
                let query = body["query"].as_str().unwrap_or("").to_owned();
                Response::json(200, &prune(graphql(forge, &body), &query))
            }
            _ => Response::json(200, &json!({})),
        };
        if write_response(&mut writer, &request, &response).is_err() || request.wants_close() {
            return;
        }
    }
}

/// gh decodes strictly: an answer holds only the fields its query names.
fn prune(value: Value, query: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k == "data" || k == "errors" || query.contains(k.as_str()))
                .map(|(k, v)| match k.as_str() {
                    "errors" => (k, v),
                    _ => (k, prune(v, query)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| prune(v, query)).collect()),
        other => other,
    }
}

fn node(pr: &PullRequest) -> Value {
    json!({
        "id": format!("PR_{}", pr.number), "number": pr.number, "url": url(pr.number),
        "state": "OPEN", "title": pr.title, "body": pr.body, "isDraft": pr.draft,
        "baseRefName": pr.base, "headRefName": pr.head, "isCrossRepository": false,
        "headRepositoryOwner": {"id": "U_1", "login": "owner"},
        "headRepository": {"id": "R_1", "name": "repo"},
    })
}

fn url(number: u64) -> String {
    format!("http://github.localhost/owner/repo/pull/{number}")
}

fn graphql(forge: &Mutex<Forge>, body: &Value) -> Value {
    let query = body["query"].as_str().unwrap_or("");
    let vars = &body["variables"];
    let mut forge = forge.lock().unwrap();
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    if query.contains("createPullRequest") {
        let input = &vars["input"];
        if text(&input["title"]).contains("refuse") {
            return json!({"errors": [{"message": "the fake forge refuses this pull request"}]});
        }
        let pr = PullRequest {
            number: forge.pulls.len() as u64 + 1,
            head: text(&input["headRefName"]),
            base: text(&input["baseRefName"]),
            title: text(&input["title"]),
            body: text(&input["body"]),
            draft: input["draft"].as_bool().unwrap_or(false),
        };
        forge.pulls.push(pr.clone());
        return json!({"data": {"createPullRequest": {"pullRequest": node(&pr)}}});
    }
    if query.contains("updatePullRequest") {
        let input = &vars["input"];
        let id = text(&input["pullRequestId"]);
        let Some(pr) = forge
            .pulls
            .iter_mut()
            .find(|p| format!("PR_{}", p.number) == id)
        else {
            return json!({"errors": [{"message": format!("no pull request {id}")}]});
        };
        if input["title"].is_string() {
            pr.title = text(&input["title"]);
        }
        if input["body"].is_string() {
            pr.body = text(&input["body"]);
        }
        return json!({"data": {"updatePullRequest": {"pullRequest": node(pr)}}});
    }
    let repo = json!({
        "id": "R_1", "name": "repo", "owner": {"login": "owner"}, "hasIssuesEnabled": true,
        "viewerPermission": "ADMIN", "defaultBranchRef": {"name": "main"},
    });
    if query.contains("pullRequests(") {
        let head = text(&vars["headRefName"]);
        let nodes: Vec<Value> = forge
            .pulls
            .iter()
            .filter(|p| p.head == head)
            .map(node)
            .collect();
        let mut repo = repo;
        repo["pullRequests"] = json!({"nodes": nodes, "totalCount": nodes.len()});
        return json!({"data": {"repository": repo}});
    }
    if query.contains("projectItems") {
        let items = json!({"nodes": [], "pageInfo": {"hasNextPage": false, "endCursor": null}});
        return json!({"data": {"repository": {"pullRequest": {"projectItems": items}}}});
    }
    if query.contains("pullRequest(") {
        let number = vars["pr_number"]
            .as_u64()
            .or(vars["number"].as_u64())
            .unwrap_or(0);
        let pr = forge.pulls.iter().find(|p| p.number == number).map(node);
        return json!({"data": {"repository": {"pullRequest": pr}}});
    }
    if query.contains("repository(") {
        return json!({"data": {"repository": repo}});
    }
    json!({"data": {"viewer": {"login": "owner", "id": "U_1"}}})
}

//! The remote a branch goes to, and the forge repository its URL names.

use anyhow::Result;
use gix::bstr::ByteSlice;

use crate::config::Forge;
use crate::error::{Error, Fix};
use crate::repo::Project;

/// `flag`, else `agents.remote`, else the branch's upstream (`branch.<name>.remote`), else
/// `origin`; refused unless the repository has a remote of that name.
pub fn for_branch(project: &Project, flag: Option<&str>, branch: &str) -> Result<String> {
    let snapshot = project.repo.config_snapshot();
    let config = snapshot.plumbing();
    let upstream = || {
        config
            .string_by("branch", Some(branch.as_bytes().as_bstr()), "remote")
            .map(|s| s.to_str_lossy().into_owned())
            .filter(|s| s != ".")
    };
    let name = flag
        .map(str::to_owned)
        .or_else(|| {
            let set = project.settings.outbound.remote.as_ref();
            set.map(|s| s.value.clone())
        })
        .or_else(upstream)
        .unwrap_or_else(|| crate::config::defaults::REMOTE.to_owned());
    if name.starts_with('-') || url(project, &name, "url").is_none() {
        return Err(Error::usage(format!("no remote named '{name}' to push to"))
            .with_fix(Fix::Text(format!(
                "add it (git remote add {name} URL), or name another with --remote or git config {} NAME",
                crate::config::keys::REMOTE
            )))
            .into());
    }
    Ok(name)
}

/// `remote.<name>.<key>` (`url`, `pushurl`).
pub fn url(project: &Project, name: &str, key: &str) -> Option<String> {
    let snapshot = project.repo.config_snapshot();
    snapshot
        .plumbing()
        .string_by("remote", Some(name.as_bytes().as_bstr()), key)
        .map(|s| s.to_str_lossy().into_owned())
}

/// The forge repository a remote URL names: host, and the path without `.git`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeRepo {
    pub host: String,
    pub path: String,
}

impl ForgeRepo {
    /// `https://host/owner/repo.git`, `git@host:owner/repo.git`, `ssh://git@host/owner/repo`.
    pub fn from_url(raw: &str) -> Option<ForgeRepo> {
        let url = gix::url::parse(raw.as_bytes().as_bstr()).ok()?;
        let host = url.host()?.to_owned();
        let path = url.path.to_str().ok()?.trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path).to_owned();
        let host = match url.port {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        (!path.is_empty() && path.contains('/')).then_some(ForgeRepo { host, path })
    }

    /// GitLab when the host says so, GitHub otherwise.
    pub fn guess_forge(&self) -> Forge {
        match self.host.contains("gitlab") {
            true => Forge::Gitlab,
            false => Forge::Github,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ForgeRepo;

    #[test]
    fn forge_repos() {
        let repo = |host: &str, path: &str| {
            Some(ForgeRepo {
                host: host.into(),
                path: path.into(),
            })
        };
        for (url, want) in [
            ("https://github.com/o/r.git", repo("github.com", "o/r")),
            ("git@gitlab.com:g/sub/r.git", repo("gitlab.com", "g/sub/r")),
            ("ssh://git@host:2222/o/r", repo("host:2222", "o/r")),
            ("/srv/git/r.git", None),
        ] {
            assert_eq!(ForgeRepo::from_url(url), want, "{url}");
        }
    }
}

//! Shell completions: clap_complete's scripts for `git-agents`, plus hand-written glue (in
//! `shell/`) that completes task names and plugs into git's own completion for `git agents`.

use clap::builder::PossibleValuesParser;
use clap::Command;
use clap_complete::{generate, Shell};

pub const BASH: &str = "git-agents.bash";
pub const ZSH: &str = "_git-agents";
pub const FISH: &str = "git-agents.fish";

/// Subcommands whose TASK arguments complete to task names, when they exist.
pub const TASK_COMMANDS: &[&str] = &[
    "spawn", "logs", "clean", "merge", "verify", "status", "continue", "done",
];

/// The one value clap_complete is told a TASK argument takes; each script's glue turns it into
/// a call to `git-agents __complete-tasks`.
const MARKER: &str = "__git_agents_task__";

/// The fish rules for `git agents ...`, also installed on their own in fish's conf.d.
pub const FISH_GIT: &str = include_str!("shell/git.fish");

pub struct Scripts {
    pub bash: String,
    pub zsh: String,
    pub fish: String,
}

impl Scripts {
    pub fn new(cmd: &Command) -> Scripts {
        let (cmd, task_commands) = mark_task_args(with_preset_names(visible_only(cmd)));
        Scripts {
            bash: bash(&cmd),
            zsh: zsh(&cmd, &task_commands),
            fish: fish(&cmd, &task_commands),
        }
    }
}

fn header(comment: &str, install: &str) -> String {
    format!(
        "{comment} Completion for git-agents and `git agents`. Generated from the clap definitions\n\
         {comment} by `cargo run -- __generate .`; do not edit. Installed by `git agents install-extras`\n\
         {comment} {install}.\n"
    )
}

fn bash(cmd: &Command) -> String {
    // clap_complete spells the per-subcommand case arms of a hyphenated bin name differently
    // from the state its loop computes (clap-rs/clap#6421), so `git-agents spawn --<TAB>` would
    // complete nothing; use the loop's spelling (a no-op once clap_complete is fixed).
    let raw =
        raw(Shell::Bash, cmd).replace("git__subcmd__agents__subcmd__", "git__agents__subcmd__");
    expect(&raw, "_git__agents() {\n", "bash");
    let install = "as git-agents in a bash-completion completions directory, e.g.\n\
                   # ~/.local/share/bash-completion/completions/git-agents";
    format!(
        "{}\n{raw}{}",
        header("#", install),
        include_str!("shell/glue.bash")
    )
}

fn zsh(cmd: &Command, task_commands: &[String]) -> String {
    let raw = raw(Shell::Zsh, cmd);
    let (compdef, rest) = raw.split_once('\n').expect("a #compdef line");
    assert_eq!(
        compdef, "#compdef git-agents",
        "clap_complete's zsh output changed"
    );
    let tail = "if [ \"$funcstack[1]\" = \"_git-agents\" ]; then";
    let (body, end) = rest
        .rsplit_once(tail)
        .unwrap_or_else(|| changed("zsh", tail));
    let marker = format!(":({MARKER})'");
    assert_eq!(
        body.matches(&marker).count(),
        task_commands.len(),
        "clap_complete's zsh output changed: expected {marker} once per task command"
    );
    let body = body.replace(&marker, ":_git-agents_tasks'");
    let install = "as _git-agents in a directory on fpath, e.g. ~/.local/share/zsh/site-functions";
    format!(
        "{compdef}\n{}{body}{}{tail}{end}",
        header("#", install),
        include_str!("shell/glue.zsh")
    )
}

fn fish(cmd: &Command, task_commands: &[String]) -> String {
    let raw = raw(Shell::Fish, cmd);
    let using = "__fish_git_agents_using_subcommand";
    expect(&raw, &format!("function {using}\n"), "fish");
    let install = "as ~/.config/fish/completions/git-agents.fish, and its last part\n\
                   # (`git agents ...`) as ~/.config/fish/conf.d/git-agents.fish";
    let mut out = format!("{}\n{raw}", header("#", install));
    out.push_str("\n# Task names.\n");
    for name in task_commands {
        out.push_str(&format!(
            "complete -c git-agents -n \"{using} {name}\" -f -a \"(git-agents __complete-tasks 2>/dev/null)\" -d Task\n"
        ));
    }
    out.push('\n');
    out.push_str(FISH_GIT);
    out
}

fn raw(shell: Shell, cmd: &Command) -> String {
    let mut cmd = cmd.clone();
    let mut buf = Vec::new();
    generate(shell, &mut cmd, "git-agents", &mut buf);
    String::from_utf8(buf).expect("completion scripts are UTF-8")
}

fn expect(script: &str, needle: &str, shell: &str) {
    if !script.contains(needle) {
        changed(shell, needle);
    }
}

fn changed(shell: &str, needle: &str) -> ! {
    panic!("clap_complete's {shell} output changed: no {needle:?}; update src/commands/generate/shell/")
}

/// The command without hidden arguments and subcommands, which clap_complete would otherwise
/// offer (it completes them on purpose; we keep internals such as `--supervisor` out).
fn visible_only(cmd: &Command) -> Command {
    let mut out = Command::new(cmd.get_name().to_owned())
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .subcommands(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(visible_only),
        )
        .visible_aliases(cmd.get_visible_aliases().map(str::to_owned))
        .propagate_version(cmd.is_propagate_version_set())
        .subcommand_required(cmd.is_subcommand_required_set())
        .disable_help_subcommand(cmd.is_disable_help_subcommand_set());
    if let Some(about) = cmd.get_about() {
        out = out.about(about.clone());
    }
    if let Some(about) = cmd.get_long_about() {
        out = out.long_about(about.clone());
    }
    if let Some(version) = cmd.get_version() {
        out = out.version(version.to_owned());
    }
    // Groups lose their hidden members too (derive makes one per Args struct, holding all).
    let kept = |id: &clap::Id| {
        cmd.get_arguments()
            .any(|a| a.get_id() == id && !a.is_hide_set())
    };
    for group in cmd.get_groups() {
        let args: Vec<clap::Id> = group.get_args().filter(|id| kept(id)).cloned().collect();
        if !args.is_empty() {
            let group = clap::ArgGroup::new(group.get_id().clone())
                .args(args)
                .multiple(group.clone().is_multiple())
                .required(group.is_required_set());
            out = out.group(group);
        }
    }
    out
}

/// Every `--agent NAME` completes to the presets' names. Only the scripts are told: at run time
/// git-agents checks the name itself, to answer a wrong one with its own hint.
fn with_preset_names(mut cmd: Command) -> Command {
    let names: Vec<&str> = git_agents::agent::PRESETS.iter().map(|p| p.name).collect();
    let subs: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| s.get_arguments().any(|a| a.get_id() == "agent"))
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(name, |sub| {
            sub.mut_arg("agent", |arg| {
                arg.value_parser(PossibleValuesParser::new(names.clone()))
            })
        });
    }
    cmd
}

/// Give the TASK positionals of [`TASK_COMMANDS`] the single possible value [`MARKER`]; return
/// the names of the subcommands that have one.
fn mark_task_args(mut cmd: Command) -> (Command, Vec<String>) {
    let mut marked = Vec::new();
    for name in TASK_COMMANDS {
        let Some(sub) = cmd.find_subcommand(name) else {
            continue;
        };
        let ids: Vec<String> = sub
            .get_positionals()
            .filter(|arg| is_task_arg(arg))
            .map(|arg| arg.get_id().to_string())
            .collect();
        if ids.is_empty() {
            continue;
        }
        marked.push((*name).to_owned());
        cmd = cmd.mut_subcommand(name, |mut sub| {
            for id in &ids {
                sub = sub.mut_arg(id, |arg| {
                    arg.value_parser(PossibleValuesParser::new([MARKER]))
                });
            }
            sub
        });
    }
    (cmd, marked)
}

/// A positional named `task`/`tasks` or shown as `TASK` (or `BRANCH|TASK`).
fn is_task_arg(arg: &clap::Arg) -> bool {
    let id = arg.get_id().as_str();
    let shown_as_task = arg.get_value_names().is_some_and(|names| {
        names
            .iter()
            .flat_map(|n| n.split('|'))
            .any(|n| n.eq_ignore_ascii_case("task"))
    });
    id == "task" || id == "tasks" || shown_as_task
}

# Completion for git-agents and `git agents`. Generated from the clap definitions
# by `cargo run -- __generate .`; do not edit. Installed by `git agents install-extras`
# as ~/.config/fish/completions/git-agents.fish, and its last part
# (`git agents ...`) as ~/.config/fish/conf.d/git-agents.fish.

# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_git_agents_global_optspecs
    string join \n C= color= h/help V/version
end

function __fish_git_agents_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_git_agents_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_git_agents_using_subcommand
    set -l cmd (__fish_git_agents_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c git-agents -n "__fish_git_agents_needs_command" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_needs_command" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_needs_command" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "init" -d 'Set up a repository for git agents'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "trust" -d 'Approve the agent, check and setup commands of committed task files'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "install-extras" -d 'Install the man pages and the bash, zsh and fish completions, without root'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "push" -d 'Push finished task branches to their remote, each under a lease'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "pr" -d 'Open or update one pull request (or GitLab merge request) per finished task'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "config" -d 'Show every agents.* setting in effect, its value and where it came from'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "spawn" -d 'Run an agent per task, in parallel, each in its own branch and linked worktree'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "logs" -d 'Print a task\'s log: the agent\'s output, with a header line for every attempt'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "clean" -d 'Remove the worktrees of tasks whose work is safe, and their branches once merged'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "merge" -d 'Merge finished task branches into the target branch, all computed in memory first'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "verify" -d 'Check that spawned tasks keep their contracts'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "status" -d 'One row per task: state, time, branch, ahead/behind, files, worktree, last log line'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "continue" -d 'Send a follow-up to a task\'s agent: it continues its last conversation in the task\'s worktree, and what it changes is committed on the task\'s branch'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "done" -d 'Retire finished tasks: move their task files into <tasksDir>/done/'
complete -c git-agents -n "__fish_git_agents_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-agents -n "__fish_git_agents_using_subcommand init" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand init" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand init" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand trust" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand trust" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand trust" -l list -d 'Only show the commands and whether each is approved; approve nothing'
complete -c git-agents -n "__fish_git_agents_using_subcommand trust" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand trust" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand install-extras" -l prefix -d 'Install under this directory instead of ~/.local' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand install-extras" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand install-extras" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand install-extras" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand install-extras" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand push" -l remote -d 'The remote to push to (default: agents.remote, else the branch\'s upstream, else origin)' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand push" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand push" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand push" -l no-verify -d 'Push tasks whose last contract check failed, too'
complete -c git-agents -n "__fish_git_agents_using_subcommand push" -l lease-from-fetch -d 'Expect each remote branch where its remote-tracking branch says, not where git-agents last pushed it: after a refused push, once you fetched and looked'
complete -c git-agents -n "__fish_git_agents_using_subcommand push" -l json -d 'Print the report as JSON on stdout'
complete -c git-agents -n "__fish_git_agents_using_subcommand push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand push" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand pr" -l base -d 'The branch the requests go into (default: the branch checked out in the main worktree)' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand pr" -l remote -d 'The remote to push to (default: agents.remote, else the branch\'s upstream, else origin)' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand pr" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand pr" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand pr" -l draft -d 'Open new requests as drafts'
complete -c git-agents -n "__fish_git_agents_using_subcommand pr" -l no-verify -d 'Open requests for tasks whose last contract check failed, too'
complete -c git-agents -n "__fish_git_agents_using_subcommand pr" -l json -d 'Print the report as JSON on stdout'
complete -c git-agents -n "__fish_git_agents_using_subcommand pr" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand pr" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand config" -s j -l jobs -d 'As spawn\'s -j' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand config" -l command -d 'As spawn\'s --command' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand config" -l mode -d 'As spawn\'s --mode' -r -f -a "worktree\t''
branch\t''
dir\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand config" -l agent -d 'As spawn\'s --agent' -r -f -a "claude\t''
codex\t''
gemini\t''
aider\t''
opencode\t''
copilot\t''
qwen\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand config" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand config" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand config" -l json -d 'Print the settings as JSON'
complete -c git-agents -n "__fish_git_agents_using_subcommand config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand config" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l mode -d 'Where agents work: worktree (a worktree and branch per task, in parallel), branch (one after another in the main worktree, a branch each), dir (in parallel in the main worktree, each confined to its scope) [agents.mode]' -r -f -a "worktree\t''
branch\t''
dir\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l backend -d 'Where agents run: local (here, -j at a time) or slurm (one Slurm job per attempt, worktrees on storage the nodes share) [agents.backend]' -r -f -a "local\t''
slurm\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -s j -l jobs -d 'Run at most N agents at once [git config agents.jobs, default 4]' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l command -d 'Any agent command line as an argv template [agents.command]' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l prompt -d 'The prompt given to every agent [agents.prompt]; it may start with `-`' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l base -d 'Branch from this revision instead of the main worktree\'s HEAD' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l retries -d 'Give a failing agent N more attempts, with exponential backoff [agents.retries]' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l timeout -d 'Stop an agent that runs longer than this, e.g. 90s, 30m, or off [agents.timeout; 1h]' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l idle-timeout -d 'Stop an agent as hung once it prints nothing for this long, or off [agents.idleTimeout; 10m]' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l budget -d 'Stop a task whose agent reports a cost above this many US dollars [agents.budget]' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l verify-command -d 'The check command for every task (implies --verify); an argv template like --command' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l fix-attempts -d 'Give a task whose check failed back to its agent, with the check\'s output, up to N times (implies --verify)' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l agent -d 'Agent preset: claude, codex, gemini, aider, opencode, copilot, qwen [agents.agent]' -r -f -a "claude\t''
codex\t''
gemini\t''
aider\t''
opencode\t''
copilot\t''
qwen\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l sparse -d 'Check each new worktree out sparse (git\'s cone mode): only its task\'s scope, the contracts, the tasks directory and the top-level files [front matter sparse, agents.sparse; worktree mode only]'
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l no-sparse -d 'Check new worktrees out whole, whatever agents.sparse or the front matter say'
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l rerun -d 'Run tasks again that already finished'
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l verify -d 'Run each task\'s contract check after it: the built-in one (contracts unchanged) and the task\'s `verify` command [front matter verify, agents.verify]'
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -l json -d 'Stream events as JSON lines on stdout (queued, state, started, output, committed, finished, warning), ending with a "summary" line'
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -s q -l quiet -d 'No progress output on stderr; only the summary on stdout'
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -s y -l yes -d 'Run agent, check and setup commands from committed task files without their approval (git agents trust), for this run only; git config agents.trust=true always does'
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand logs" -l run -d 'The log of run N instead of the latest (`status --json` shows a task\'s last run)' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand logs" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand logs" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand logs" -s f -l follow -d 'Follow the latest run\'s log until the task ends'
complete -c git-agents -n "__fish_git_agents_using_subcommand logs" -l all -d 'Every run kept, oldest first, each introduced by a line naming it (the raw streams are printed one after the other, JSON lines only)'
complete -c git-agents -n "__fish_git_agents_using_subcommand logs" -l raw -d 'The agent\'s machine-readable stream, line for line, instead of the readable log'
complete -c git-agents -n "__fish_git_agents_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand logs" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand clean" -l into -d 'Merged means merged into this branch instead of the main worktree\'s' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand clean" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand clean" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand clean" -l force -d 'Remove dirty worktrees, unmerged branches and tasks whose spawn runs, without looking'
complete -c git-agents -n "__fish_git_agents_using_subcommand clean" -l keep-branches -d 'Keep every branch; only worktrees are removed (unmerged branches then keep nothing back)'
complete -c git-agents -n "__fish_git_agents_using_subcommand clean" -l prune -d 'Give up the worktree entries of tasks whose directory is missing, instead of keeping them for git worktree repair'
complete -c git-agents -n "__fish_git_agents_using_subcommand clean" -l json -d 'Print the report as JSON on stdout'
complete -c git-agents -n "__fish_git_agents_using_subcommand clean" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand clean" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l into -d 'Branch to merge into (default: the branch checked out in the main worktree)' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l command -d 'With --resolve: the command to resolve with, as spawn\'s --command ({prompt}, {task}, ...)' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l agent -d 'With --resolve: the agent preset to resolve with (default: as spawn picks it per task)' -r -f -a "claude\t''
codex\t''
gemini\t''
aider\t''
opencode\t''
copilot\t''
qwen\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -s n -l dry-run -d 'Forecast only: per branch fast-forward, clean merge, conflict (paths) or already merged, and an overlap matrix of branches that change the same files. Writes nothing; exits 1 when a conflict is forecast'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l atomic -d 'All or nothing: if any branch conflicts, the target does not move at all'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l no-ff -d 'Create a merge commit even when a fast-forward is possible'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l json -d 'Print the report as JSON on stdout'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l no-verify -d 'Merge tasks whose last contract check (git agents verify) failed, too'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l resolve -d 'Hand each branch that conflicts to an agent: a resolve worktree (<workspace-root>/<target>-resolve-<task>) holds the merge in progress as git merge leaves it, the agent resolves it there, and once no conflict marker is left and the task\'s check passes the merge is committed there and the next branch merged. The target moves only at the end, as without --resolve, and the worktrees of the resolutions that landed are removed; a failed resolution stops there and keeps its worktree (git commit there, then merge --resolve again takes that commit)'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -s y -l yes -d 'With --resolve: run agent and check commands from committed task files without their approval (git agents trust), for this run only'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l continue -d 'Finish an interrupted merge: files and index to the new tree, then the branch'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -l abort -d 'Undo an interrupted merge: the branch, its files and its index back to where it started'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand verify" -l command -d 'The check command for every task' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand verify" -s j -l jobs -d 'Run at most N checks at once [agents.jobs]' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand verify" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand verify" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand verify" -l json -d 'Print the results as JSON'
complete -c git-agents -n "__fish_git_agents_using_subcommand verify" -s y -l yes -d 'Run checks from committed task files without their approval (git agents trust), for this run only; git config agents.trust=true always does'
complete -c git-agents -n "__fish_git_agents_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand verify" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand status" -l watch -d 'Refresh every 2 seconds (--watch=SECS: every SECS) until Ctrl-C; redraws in place on a terminal. Task names may follow it: git agents status --watch auth' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand status" -l into -d 'Count ahead and behind against this branch instead of the main worktree\'s' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand status" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand status" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand status" -l json -d 'Print the report as JSON on stdout (one line per refresh with --watch)'
complete -c git-agents -n "__fish_git_agents_using_subcommand status" -s a -l all -d 'Also the history: merged tasks whose task file is gone (git agents done retires them)'
complete -c git-agents -n "__fish_git_agents_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand status" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand continue" -s p -l prompt -d 'What to tell the agent; it may start with `-`' -r
complete -c git-agents -n "__fish_git_agents_using_subcommand continue" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand continue" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand continue" -l json -d 'Stream events as JSON lines on stdout, ending with a "summary" line'
complete -c git-agents -n "__fish_git_agents_using_subcommand continue" -s q -l quiet -d 'No progress output on stderr; only the summary on stdout'
complete -c git-agents -n "__fish_git_agents_using_subcommand continue" -s y -l yes -d 'Run an agent command from a committed task file without its approval, for this run'
complete -c git-agents -n "__fish_git_agents_using_subcommand continue" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand continue" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand done" -s C -d 'Run as if started in this directory' -r -f -a "(__fish_complete_directories)"
complete -c git-agents -n "__fish_git_agents_using_subcommand done" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-agents -n "__fish_git_agents_using_subcommand done" -l force -d 'Retire them even if they are not finished'
complete -c git-agents -n "__fish_git_agents_using_subcommand done" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-agents -n "__fish_git_agents_using_subcommand done" -s V -l version -d 'Print version'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "init" -d 'Set up a repository for git agents'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "trust" -d 'Approve the agent, check and setup commands of committed task files'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "install-extras" -d 'Install the man pages and the bash, zsh and fish completions, without root'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "push" -d 'Push finished task branches to their remote, each under a lease'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "pr" -d 'Open or update one pull request (or GitLab merge request) per finished task'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "config" -d 'Show every agents.* setting in effect, its value and where it came from'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "spawn" -d 'Run an agent per task, in parallel, each in its own branch and linked worktree'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "logs" -d 'Print a task\'s log: the agent\'s output, with a header line for every attempt'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "clean" -d 'Remove the worktrees of tasks whose work is safe, and their branches once merged'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "merge" -d 'Merge finished task branches into the target branch, all computed in memory first'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "verify" -d 'Check that spawned tasks keep their contracts'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "status" -d 'One row per task: state, time, branch, ahead/behind, files, worktree, last log line'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "continue" -d 'Send a follow-up to a task\'s agent: it continues its last conversation in the task\'s worktree, and what it changes is committed on the task\'s branch'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "done" -d 'Retire finished tasks: move their task files into <tasksDir>/done/'
complete -c git-agents -n "__fish_git_agents_using_subcommand help; and not __fish_seen_subcommand_from init trust install-extras push pr config spawn logs clean merge verify status continue done help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

# Task names.
complete -c git-agents -n "__fish_git_agents_using_subcommand spawn" -f -a "(git-agents __complete-tasks 2>/dev/null)" -d Task
complete -c git-agents -n "__fish_git_agents_using_subcommand logs" -f -a "(git-agents __complete-tasks 2>/dev/null)" -d Task
complete -c git-agents -n "__fish_git_agents_using_subcommand clean" -f -a "(git-agents __complete-tasks 2>/dev/null)" -d Task
complete -c git-agents -n "__fish_git_agents_using_subcommand merge" -f -a "(git-agents __complete-tasks 2>/dev/null)" -d Task
complete -c git-agents -n "__fish_git_agents_using_subcommand verify" -f -a "(git-agents __complete-tasks 2>/dev/null)" -d Task
complete -c git-agents -n "__fish_git_agents_using_subcommand status" -f -a "(git-agents __complete-tasks 2>/dev/null)" -d Task
complete -c git-agents -n "__fish_git_agents_using_subcommand continue" -f -a "(git-agents __complete-tasks 2>/dev/null)" -d Task
complete -c git-agents -n "__fish_git_agents_using_subcommand done" -f -a "(git-agents __complete-tasks 2>/dev/null)" -d Task

# --- git agents <TAB> ------------------------------------------------------------------------
# fish autoloads completions/git-agents.fish only for the git-agents command, so this part also
# goes to conf.d/git-agents.fish (read at startup; `git agents install-extras` does both). It
# completes the words after "agents" as a git-agents command line, with the rules for that.
if not functions -q __git_agents_in_git
    # Whether the command line is `git [global options] agents ...`.
    function __git_agents_in_git
        set -l tokens (commandline -opc)
        set -e tokens[1]
        while set -q tokens[1]
            switch $tokens[1]
                case -C -c --git-dir --work-tree --namespace --super-prefix --config-env
                    set -e tokens[1..2]
                case '-*'
                    set -e tokens[1]
                case '*'
                    break
            end
        end
        test "$tokens[1]" = agents
    end

    function __git_agents_complete_in_git
        set -l tokens (commandline -opc)
        set -l at (contains -i -- agents $tokens)
        set -l args git-agents
        if test (count $tokens) -gt $at
            set args $args (string escape -- $tokens[(math $at + 1)..-1])
        end
        complete -C (string join -- ' ' $args (commandline -ct))
    end

    complete -c git -f -n __git_agents_in_git -a '(__git_agents_complete_in_git)'
end

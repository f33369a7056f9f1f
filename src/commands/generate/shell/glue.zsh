# --- git-agents glue: task names ---------------------------------------------------------------
# zsh's _git calls _git-agents for `git agents ...`, with words starting at "agents": clap's
# function above reads words the same way for `git-agents ...`, so nothing more is needed there.

(( $+functions[_git-agents_tasks] )) ||
_git-agents_tasks() {
    local -a tasks
    local expl
    tasks=(${(f)"$(_call_program tasks git-agents __complete-tasks 2>/dev/null)"})
    _wanted tasks expl 'task' compadd -a - tasks
}


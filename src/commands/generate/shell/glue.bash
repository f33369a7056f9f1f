
# --- git-agents glue: task names, and `git agents` inside git's completion ---------------------

# Complete COMP_WORDS/COMP_CWORD (COMP_WORDS[0] being git-agents) into COMPREPLY. Where clap's
# function offers the marker __git_agents_task__, a TASK goes there: offer task names instead.
__git_agents_complete() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    if [[ $cur != -* ]] && __git_agents_wants_task "$prev"; then
        COMPREPLY=()
        local task quoted
        while IFS= read -r task; do
            if [[ $task == "$cur"* ]]; then
                printf -v quoted '%q' "$task"
                COMPREPLY+=("$quoted")
            fi
        done < <(__git_agents_tasks)
        return 0
    fi
    _git__agents git-agents "$cur" "$prev"
    local i
    for i in "${!COMPREPLY[@]}"; do
        [[ ${COMPREPLY[i]} == __git_agents_task__ ]] && unset 'COMPREPLY[i]'
    done
    return 0
}

# Whether the word under the cursor is a TASK: ask clap's function with that word empty.
__git_agents_wants_task() {
    local COMP_WORDS=("${COMP_WORDS[@]}") COMPREPLY=() word
    COMP_WORDS[COMP_CWORD]=
    _git__agents git-agents "" "$1"
    for word in "${COMPREPLY[@]}"; do
        [[ $word == __git_agents_task__ ]] && return 0
    done
    return 1
}

# The task names, one per line, of the repository git-agents would work on.
__git_agents_tasks() {
    if [[ -n ${__git_agents_in_git-} ]]; then
        git ${__git_C_args:+"${__git_C_args[@]}"} agents __complete-tasks 2>/dev/null
    else
        git-agents __complete-tasks 2>/dev/null
    fi
}

# `git agents <TAB>`: git's completion calls _git_agents, with git's words/cword and the index
# of "agents" in __git_cmd_idx; complete the words after it as a git-agents command line.
_git_agents() {
    local idx=${__git_cmd_idx:-0}
    if ((idx == 0)); then
        for ((idx = 1; idx < cword; idx++)); do
            [[ ${words[idx]} == agents ]] && break
        done
    fi
    local COMP_WORDS=(git-agents "${words[@]:idx+1}") COMP_CWORD=$((cword - idx))
    local __git_agents_in_git=1
    __git_agents_complete
    # git registers its completion with -o nospace and adds spaces itself; ours are whole words.
    compopt +o nospace 2>/dev/null
    return 0
}

# `git-agents <TAB>`.
__git_agents_bash() {
    __git_agents_complete
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F __git_agents_bash -o nosort -o bashdefault -o default git-agents
else
    complete -F __git_agents_bash -o bashdefault -o default git-agents
fi

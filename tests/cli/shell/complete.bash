# Complete the command line "$1" the way bash does on TAB and print COMPREPLY, one per line.
# Loads bash-completion and git's completion; ours must come from where install-extras put it,
# found by bash-completion's on-demand loader (for `git agents`, git's completion asks it).
source /usr/share/bash-completion/bash_completion
source /usr/share/bash-completion/completions/git

line=$1
read -ra COMP_WORDS <<<"$line"
[[ $line == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}

if [[ ${COMP_WORDS[0]} == git ]]; then
    __git_wrap__git_main
else
    _completion_loader "${COMP_WORDS[0]}"
    spec=$(complete -p "${COMP_WORDS[0]}")
    fn=${spec##*-F }
    fn=${fn%% *}
    "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
fi
printf '%s\n' "${COMPREPLY[@]}"

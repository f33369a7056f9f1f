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

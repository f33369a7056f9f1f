# Sourced by run.sh: how git-agents grows (issue 13). Uses run.sh's helpers and variables.
#
#   scale      spawn, status, merge and clean at 1, 16, 64 and 200 tasks on a 1,000-file
#              repository, each beside its baseline at the same size: per-task times
#   monorepo   a 100,000-file repository: a full and a sparse worktree against cp -a of the
#              checkout, and status of that worktree against one git status
#   footprint  64 agents running at once: git-agents' peak RSS, and its CPU while they are quiet

SCALE_SIZES=(1 16 64 200)

scale_repo() { # N -> a fresh 1,000-file repository with N tasks at $T/scale/N/repo
    local repo="$T/scale/$1/repo"
    mkdir -p "$repo"
    python3 "$BENCH/lib/fixture.py" big "$repo" --dirs 200 --files 5 --tasks "$1" >/dev/null
    commit_fixture "$repo" "synthetic 1,000-file repository"
    echo "$repo"
}

scale_runs() { # N -> timed runs per command at that size
    local n=3
    [ "$QUICK" = 0 ] || n=2
    [ "$1" -gt 16 ] || n=$((n + 2))
    [ -z "$RUNS" ] || n=$RUNS
    echo "$n"
}

section_scale() {
    say "scale: spawn, status, merge and clean at ${SCALE_SIZES[*]} tasks (1,000-file repository)"
    local n repo r orig curves=()
    for n in "${SCALE_SIZES[@]}"; do
        repo=$(scale_repo "$n")
        r=$(scale_runs "$n")
        cd "$repo"
        local reset="bash $(q "$BENCH/lib/reset.sh") $(q "$repo")"
        local seed_spawn="bash $(q "$BENCH/seed/setup-worktrees.sh") && bash $(q "$BENCH/seed/parallel-execute.sh")"
        say "scale: $n task(s), $r runs each"
        hyperfine --shell=bash --style=basic --runs "$r" --warmup 0 --prepare "$reset" \
            --export-json "$T/results/scale-spawn-$n.json" \
            -n git-agents "git agents spawn -j 4 --command true --quiet" -n seed "$seed_spawn" >/dev/null

        eval "$reset"
        git agents spawn -j 4 --quiet --command 'sh -c "echo $GIT_AGENTS_TASK > $GIT_AGENTS_TASK-notes.txt"' >/dev/null
        sleep 1
        for wt in ../workspaces/*; do git -C "$wt" status --porcelain >/dev/null; done
        hyperfine --shell=bash --style=basic --runs "$((r + 2))" --warmup 1 \
            --export-json "$T/results/scale-status-$n.json" \
            -n git-agents "git agents status" \
            -n "git status loop" 'for wt in ../workspaces/*; do git -C "$wt" status --porcelain; done' >/dev/null

        eval "$reset"
        make_task_branches "$repo"
        orig=$(git rev-parse HEAD)
        local back="bash $(q "$BENCH/lib/reset.sh") $(q "$repo") --keep-worktrees --to $orig"
        hyperfine --shell=bash --style=basic --runs "$r" --warmup 0 --prepare "$back" \
            --export-json "$T/results/scale-merge-$n.json" \
            -n git-agents "git agents merge" -n seed "bash $(q "$BENCH/seed/merge-all.sh")" >/dev/null
        eval "$back"
        check scale "$n tasks: git agents merge lands every branch" \
            bash -c 'git agents merge >/dev/null 2>&1 && for b in $(git for-each-ref --format="%(refname)" refs/heads/feature/); do git merge-base --is-ancestor "$b" HEAD || exit 1; done'

        local branches
        branches=$(task_names . | sed 's|^|feature/|' | tr '\n' ' ')
        local spawned="$reset --to $orig && git agents spawn --command true -j 4 --quiet >/dev/null"
        hyperfine --shell=bash --style=basic --runs "$r" --warmup 0 --prepare "$spawned" \
            --export-json "$T/results/scale-clean-$n.json" \
            -n git-agents "git agents clean --force" \
            -n seed "bash $(q "$BENCH/seed/cleanup-worktrees.sh") && git branch -q -D $branches" >/dev/null
        eval "$reset"
        cd "$T"
        rm -rf "$T/scale/$n"
    done
    for op in spawn status merge clean; do
        local base=seed
        [ "$op" != status ] || base="git status loop"
        args=()
        for n in "${SCALE_SIZES[@]}"; do args+=(--at "$n=$T/results/scale-$op-$n.json"); done
        # merge's goal is issue 13's: 200 branches under 2x the per-branch cost of 16.
        python3 "$BENCH/lib/report.py" curve "$ROWS" --section scale --op "$op" \
            --ours git-agents --base "$base" --goal 2 "${args[@]}"
    done
}

section_monorepo() {
    say "monorepo: 100,000 files; a full and a sparse worktree vs cp -a; status vs git status"
    local s="$T/monorepo" repo="$T/monorepo/repo"
    mkdir -p "$repo"
    python3 "$BENCH/lib/fixture.py" big "$repo" --dirs 1000 --files 100 --tasks 1
    printf -- '---\nscope: [d00]\n---\n# Task 01\n\nWork in d00/.\n' >"$repo/.claude/tasks/task-01.md"
    commit_fixture "$repo" "synthetic 100,000-file repository"
    cp -a "$repo" "$s/checkout" && rm -rf "$s/checkout/.git"
    cd "$repo"
    local files
    files=$(git ls-files | wc -l | tr -d ' ')
    local prepare="bash $(q "$BENCH/lib/reset.sh") $(q "$repo") --rm $(q "$s/copy")"
    local r=3
    [ "$QUICK" = 0 ] || r=2
    [ -z "$RUNS" ] || r=$RUNS

    eval "$prepare"
    logged "$s/sparse.out" git agents spawn --sparse --command true --quiet
    check monorepo "a sparse worktree of $files files holds only its cone (d00, .claude, top-level files)" \
        test "$(cd ../workspaces/task-01 && find . -path ./.git -prune -o -type f -print | grep -vc '^./\.claude/')" = 101
    eval "$prepare"
    hyperfine --shell=bash --style=basic --runs "$r" --warmup 0 --prepare "$prepare" \
        --export-json "$T/results/monorepo-spawn.json" \
        -n "git-agents full" "git agents spawn --command true --quiet" \
        -n "git-agents sparse" "git agents spawn --sparse --command true --quiet" \
        -n "cp -a" "cp -a $(q "$s/checkout") $(q "$s/copy")"
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/monorepo-spawn.json" --section monorepo \
        --ours "git-agents sparse" --base "cp -a" --kind faster --goal 1
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/monorepo-spawn.json" --section monorepo \
        --ours "git-agents full" --base "cp -a" --kind within --goal 1.15

    eval "$prepare"
    git agents spawn --command true --quiet
    sleep 1
    git -C ../workspaces/task-01 status --porcelain >/dev/null
    # The monitored status warms up twice: the first starts the monitor.
    local monitored='git -c agents.fsmonitor=true agents status'
    hyperfine --shell=bash --style=basic --runs "$((r + 3))" --warmup 2 \
        --export-json "$T/results/monorepo-status.json" \
        -n git-agents "git agents status" -n "git-agents fsmonitor" "$monitored" \
        -n "git status" "git -C ../workspaces/task-01 status --porcelain"
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/monorepo-status.json" --section monorepo \
        --ours git-agents --base "git status" --kind within --goal 1
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/monorepo-status.json" --section monorepo \
        --ours "git-agents fsmonitor" --base "git status" --kind within --goal 1
    kill "$(cat .git/agents/monitor.lock 2>/dev/null)" 2>/dev/null || true
    eval "$prepare"
}

section_footprint() {
    say "footprint: 64 agents at once (sleep 6): git-agents' peak RSS and its CPU while they are quiet"
    local repo
    repo=$(scale_repo 64)
    cd "$repo"
    python3 "$BENCH/lib/footprint.py" "$ROWS" --exe "$BIN" --agent-exe sleep --agents 64 --window 3 -- \
        git agents spawn -j 64 --quiet --command 'sleep 6'
    check footprint "all 64 tasks ended with no changes" \
        test "$(git agents status --json | grep -c '"state": "no-changes"')" = 64
    cd "$T"
}

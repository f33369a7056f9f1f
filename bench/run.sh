#!/usr/bin/env bash
# bench/run.sh: git-agents against the seed's shell scripts (and plain cp -a / xargs), side by
# side in one run, reported as ratios. Not a test: run it by hand, commit bench/results.md.
#
#   bash bench/run.sh [--quick] [--disk] [--keep] [--runs N] [SECTION...]
#
# SECTIONs: spawn merge status clean dir scale monorepo footprint (default: every one whose
# subcommand exists).
# See bench/README.md for what each section compares and why.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bash bench/run.sh [--quick] [--disk] [--keep] [--runs N] [SECTION...]

  SECTION   spawn, merge, status, clean, dir, scale, monorepo, footprint (default: all whose
            git-agents subcommand exists)
  --quick   fewer runs (about 2 minutes instead of about 5)
  --disk    build the fixtures under $TMPDIR or /tmp instead of tmpfs (/dev/shm); also
            the case whenever TMPDIR is set
  --runs N  exactly N timed runs per command (overrides the defaults and --quick)
  --keep    keep the temporary directory (its path is printed) for inspection

Installs hyperfine (apt-get) if missing, builds git-agents with cargo build --release,
builds the fixtures in a fresh temporary directory with git sealed off from your
configuration, and prints a summary of ratios and goals, also written to bench/results.md.
EOF
}

ARGS="$*"
QUICK=0 KEEP=0 DISK=0 RUNS="" SECTIONS=()
ALL_SECTIONS=(spawn merge status clean dir scale monorepo footprint)
while [ $# -gt 0 ]; do
    case $1 in
        --quick) QUICK=1 ;;
        --keep) KEEP=1 ;;
        --disk) DISK=1 ;;
        --runs) RUNS=${2:?--runs needs a number}; shift ;;
        -h | --help) usage; exit 0 ;;
        spawn | merge | status | clean | dir | scale | monorepo | footprint) SECTIONS+=("$1") ;;
        *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
[ ${#SECTIONS[@]} -gt 0 ] || SECTIONS=("${ALL_SECTIONS[@]}")

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
START=$(date +%s)

say() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Tools: hyperfine, python3, git (apt-get when missing), cargo (must exist).

apt_install() {
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "run.sh: need root or sudo to apt-get install $*" >&2; exit 2; }
        sudo=sudo
    fi
    command -v apt-get >/dev/null || {
        echo "run.sh: please install $* (no apt-get here; e.g. cargo install hyperfine)" >&2
        exit 2
    }
    say "installing $* with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
missing=()
for tool in hyperfine python3 git; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

if [ -n "${BENCH_BIN:-}" ]; then # benchmark a given binary instead (e.g. an installed one)
    BIN=$(realpath "$BENCH_BIN")
else
    command -v cargo >/dev/null || { echo "run.sh: cargo not found; install Rust (https://rustup.rs)" >&2; exit 2; }
    say "cargo build --release"
    (cd "$ROOT" && cargo build --release --quiet)
    TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    BIN="$TARGET_DIR/release/git-agents"
fi
[ -x "$BIN" ] || { echo "run.sh: $BIN was not built" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# A temporary world: git sees none of the user's configuration.

# On tmpfs by default: the benchmark compares the tools' own work, and a shared disk's
# writeback stalls would swamp it. --disk (or TMPDIR=...) measures on a real disk instead.
parent=${TMPDIR:-/tmp}
if [ "$DISK" = 0 ] && [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
    [ "$(df -Pk /dev/shm | awk 'NR == 2 {print $4}')" -gt $((3 * 1024 * 1024)) ]; then
    parent=/dev/shm
fi
T=$(mktemp -d "$parent/git-agents-bench.XXXXXX")
TEMP_DESC="$T ($(df -PT "$T" | awk 'NR == 2 {print $2}'))"
cleanup() {
    if [ "$KEEP" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
mkdir -p "$T/home" "$T/bin" "$T/results"
ln -s "$BIN" "$T/bin/git-agents"
ROWS="$T/results/rows.jsonl"
: >"$ROWS"

# Sealed git: HOME and global config are ours, no system config, no inherited repo variables.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
    GIT_COMMON_DIR GIT_NAMESPACE GIT_CEILING_DIRECTORIES GIT_CONFIG GIT_CONFIG_PARAMETERS \
    GIT_CONFIG_COUNT GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
    GIT_AUTHOR_DATE GIT_COMMITTER_DATE XDG_CONFIG_HOME EMAIL
export HOME="$T/home"
export GIT_CONFIG_GLOBAL="$T/gitconfig"
export GIT_CONFIG_SYSTEM=/dev/null
export GIT_CONFIG_NOSYSTEM=1
export PATH="$T/bin:$PATH"
export LC_ALL=C
export GIT_TERMINAL_PROMPT=0
git config --file "$GIT_CONFIG_GLOBAL" user.name "Bench Runner"
git config --file "$GIT_CONFIG_GLOBAL" user.email "bench@example.invalid"
git config --file "$GIT_CONFIG_GLOBAL" init.defaultBranch main
git config --file "$GIT_CONFIG_GLOBAL" gc.auto 0
git config --file "$GIT_CONFIG_GLOBAL" maintenance.auto false
git config --file "$GIT_CONFIG_GLOBAL" advice.detachedHead false

q() { printf '%q' "$1"; } # quote a path for a command string given to hyperfine

# ---------------------------------------------------------------------------------------------
# Runs per command (full / --quick; --runs N overrides), split into rounds: hyperfine runs all
# of one command before the next, so each command is listed once per round and the rounds
# alternate (git-agents [1], seed [1], git-agents [2], seed [2], ...); report.py pools them.

runs() { # SECTION -> number of timed runs per command
    local full quick
    case $1 in
        spawn) full=12 quick=3 ;;
        merge) full=12 quick=6 ;;
        dryrun) full=20 quick=8 ;;
        status) full=20 quick=9 ;;
        clean) full=6 quick=3 ;;
        dir) full=12 quick=6 ;;
    esac
    if [ -n "$RUNS" ]; then echo "$RUNS"; elif [ "$QUICK" = 1 ]; then echo "$quick"; else echo "$full"; fi
}

compare() { # JSON SECTION PREPARE NAME CMD [NAME CMD]...: one interleaved hyperfine invocation
    local json=$1 section=$2 prepare=$3
    shift 3
    local names=() cmds=() args=() n rounds per k i
    while [ $# -gt 0 ]; do names+=("$1") cmds+=("$2"); shift 2; done
    n=$(runs "$section")
    rounds=4
    [ "$QUICK" = 0 ] || rounds=3
    [ "$rounds" -le "$n" ] || rounds=$n
    per=$(((n + rounds - 1) / rounds))
    for ((k = 1; k <= rounds; k++)); do
        for i in "${!names[@]}"; do args+=(-n "${names[$i]} [$k]" "${cmds[$i]}"); done
    done
    # No warmup runs: the untimed smoke run of every command just before warmed the caches.
    hyperfine --shell=bash --style=basic --runs "$per" --warmup 0 \
        ${prepare:+--prepare "$prepare"} --export-json "$json" "${args[@]}"
}

note() { python3 "$BENCH/lib/report.py" note "$ROWS" --section "$1" --status "$2" --text "$3"; }
check() { # SECTION DESCRIPTION COMMAND...: record whether COMMAND succeeds
    local section=$1 what=$2
    shift 2
    if "$@"; then note "$section" ok "$what"; else
        note "$section" fail "$what"
        echo "CHECK FAILED ($section): $what" >&2
    fi
}
logged() { # FILE COMMAND...: run with its output in FILE; on failure show the output's end
    local file=$1 rc=0
    shift
    "$@" >"$file" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        echo "'$*' failed with exit $rc; its output ends with:" >&2
        tail -n 20 "$file" >&2
    fi
    return "$rc"
}
linked_worktrees() { git -C "$1" worktree list --porcelain | grep -c '^worktree ' | awk '{print $1 - 1}'; }
feature_branches() { git -C "$1" for-each-ref refs/heads/feature/ | wc -l | tr -d ' '; }
fingerprint() { # what must not change in the main worktree between runs
    git -C "$1" rev-parse HEAD
    git -C "$1" status --porcelain=v1 --untracked-files=all
}

# ---------------------------------------------------------------------------------------------
# Fixtures

commit_fixture() { # DIR MESSAGE: one packed commit of everything but the contracts
    (
        cd "$1"
        export GIT_AUTHOR_DATE="2025-01-01T00:00:00Z" GIT_COMMITTER_DATE="2025-01-01T00:00:00Z"
        git init -q
        # The seed's places (../workspaces, ../logs), so both sides write the same trees.
        git config agents.layout seed
        git add -A -- . ':!.claude/contracts'
        git commit -q -m "$2"
        git repack -adq
        git prune-packed
    )
}

FIXTURE="$T/fixture/repo"
build_fixture() { # the 5,000-file repository, one commit, packed; contracts left untracked
    say "fixture: 5,000 files (50 dirs × 100), 16 tasks"
    mkdir -p "$FIXTURE"
    python3 "$BENCH/lib/fixture.py" big "$FIXTURE" --dirs 50 --files 100 --tasks 16
    commit_fixture "$FIXTURE" "synthetic 5,000-file repository"
    FIXTURE_DESC="$(git -C "$FIXTURE" ls-files | wc -l | tr -d ' ') tracked files, $(du -sk --exclude=.git "$FIXTURE" | cut -f1) KiB checkout, 16 task files, untracked .claude/contracts/api.md"
}

fresh_repo() { # SECTION -> path of a private copy of the fixture at $T/SECTION/repo
    mkdir -p "$T/$1"
    cp -a "$FIXTURE" "$T/$1/repo"
    echo "$T/$1/repo"
}

task_names() { for f in "$1"/.claude/tasks/*.md; do basename "$f" .md; done; }

make_task_branches() { # REPO: per task, a worktree + branch with one modified and one added file
    local repo=$1 t n d dirs
    (
        cd "$repo"
        export GIT_AUTHOR_DATE="2025-01-02T00:00:00Z" GIT_COMMITTER_DATE="2025-01-02T00:00:00Z"
        dirs=$(find . -maxdepth 1 -name 'd[0-9]*' -type d | wc -l)
        for t in $(task_names .); do
            n=${t#task-}
            d=$(printf 'd%02d' $(((10#$n - 1) % dirs)))
            git worktree add -q -b "feature/$t" "../workspaces/$t"
            (
                cd "../workspaces/$t"
                echo "change made by $t" >>"$d/f000.txt"
                echo "new file added by $t" >"$d/$t.txt"
                git add -A "$d"
                git commit -q -m "feat: $t implementation"
            )
        done
    )
}

# ---------------------------------------------------------------------------------------------
# Sections

section_spawn() {
    say "spawn: git agents spawn vs the seed's setup-worktrees.sh + parallel-execute.sh vs cp -a ×16"
    local repo s copies before ours seed cp
    repo=$(fresh_repo spawn)
    s="$T/spawn"
    copies="$s/copies"
    cp -a "$repo" "$s/checkout" && rm -rf "$s/checkout/.git" # the checkout's files, no .git
    cd "$repo"
    before=$(fingerprint "$repo")
    local prepare="bash $(q "$BENCH/lib/reset.sh") $(q "$repo") --rm $(q "$copies")"
    ours="git agents spawn -j 4 --command true --quiet"
    seed="bash $(q "$BENCH/seed/setup-worktrees.sh") && bash $(q "$BENCH/seed/parallel-execute.sh")"
    cp="mkdir -p $(q "$copies") && for i in \$(seq -w 1 16); do cp -a $(q "$s/checkout") $(q "$copies")/task-\$i; done"

    # Untimed smoke runs: each side works and leaves what it should.
    eval "$prepare"
    logged "$s/smoke.out" git agents spawn -j 4 --command true --quiet
    check spawn "git agents spawn made 16 worktrees and 16 branches, contracts copied" \
        test "$(linked_worktrees "$repo")/$(feature_branches "$repo")/$(ls ../workspaces/*/.claude/contracts/api.md | wc -l)" = 16/16/16
    check spawn "git agents spawn: every worktree passes git status and git fsck" \
        bash -c 'for w in ../workspaces/*; do git -C "$w" status --porcelain >/dev/null || exit 1; done; git fsck --no-progress 2>/dev/null >&2'
    eval "$prepare"
    logged "$s/seed.out" bash -c "$seed"
    check spawn "seed scripts made 16 worktrees" test "$(linked_worktrees "$repo")" = 16
    eval "$prepare"

    compare "$T/results/spawn.json" spawn "$prepare" git-agents "$ours" seed "$seed" "cp -a" "$cp"
    eval "$prepare"
    check spawn "main worktree unchanged (HEAD, status) across all runs" test "$(fingerprint "$repo")" = "$before"
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/spawn.json" --section spawn \
        --ours git-agents --base seed --kind faster --goal 1.5
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/spawn.json" --section spawn \
        --ours git-agents --base "cp -a" --kind within --goal 1.15
}

section_merge() {
    say "merge: git agents merge vs the seed's merge-all.sh (16 clean branches)"
    local repo s orig
    repo=$(fresh_repo merge)
    s="$T/merge"
    make_task_branches "$repo"
    cd "$repo"
    orig=$(git rev-parse HEAD)
    local prepare="bash $(q "$BENCH/lib/reset.sh") $(q "$repo") --keep-worktrees --to $orig"
    local seed="bash $(q "$BENCH/seed/merge-all.sh")"

    # Untimed: the dry run forecasts, the merge lands everything, and its tree is git's.
    eval "$prepare"
    local rc=0
    git agents merge --dry-run >"$s/dry-run.out" 2>&1 || rc=$?
    check merge "git agents merge --dry-run exits 0 and moves nothing" \
        test "$rc/$(git rev-parse HEAD)" = "0/$orig"
    logged "$s/merge.out" git agents merge
    local ours_tree seed_tree
    ours_tree=$(git rev-parse 'HEAD^{tree}')
    check merge "git agents merge: every task branch merged, worktree clean" \
        bash -c 'for b in $(git for-each-ref --format="%(refname)" refs/heads/feature/); do git merge-base --is-ancestor "$b" HEAD || exit 1; done; test -z "$(git status --porcelain --untracked-files=no)"'
    eval "$prepare"
    logged "$s/seed.out" bash -c "$seed"
    seed_tree=$(git rev-parse 'HEAD^{tree}')
    check merge "git agents merge's tree equals the tree of the seed's sequential git merge" \
        test "$ours_tree" = "$seed_tree"
    eval "$prepare"

    compare "$T/results/merge.json" merge "$prepare" git-agents "git agents merge" seed "$seed"
    eval "$prepare"
    hyperfine --shell=bash --style=basic --runs "$(runs dryrun)" --warmup 1 \
        --export-json "$T/results/merge-dry-run.json" \
        -n "git-agents --dry-run" "git agents merge --dry-run"
    check merge "main back at its starting commit after the runs" test "$(git rev-parse HEAD)" = "$orig"
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/merge.json" --section merge \
        --ours git-agents --base seed --kind faster --goal 5
    python3 "$BENCH/lib/report.py" under "$ROWS" "$T/results/merge-dry-run.json" --section merge \
        --ours "git-agents --dry-run" --goal 0.5
}

section_status() {
    say "status: git agents status vs a loop of git status --porcelain over 16 worktrees"
    local repo s
    repo=$(fresh_repo status)
    s="$T/status"
    cd "$repo"
    # 16 worktrees as a spawn leaves them: each branch one commit ahead, state.json written.
    logged "$s/spawn.out" git agents spawn -j 4 --quiet \
        --command 'sh -c "echo $GIT_AGENTS_TASK > $GIT_AGENTS_TASK-notes.txt"'
    check status "16 worktrees made by git agents spawn, each one commit ahead" \
        test "$(linked_worktrees "$repo")/$(git rev-list --count --branches='feature/*' --not main)" = 16/16
    # Settle the worktrees' indexes (no racily-clean entries), as any git status would.
    sleep 1
    for wt in ../workspaces/*; do git -C "$wt" status --porcelain >/dev/null; done
    logged "$s/status.out" git agents status
    check status "git agents status lists all 16 tasks" \
        test "$(grep -c 'task-' "$s/status.out")" -ge 16
    local loop='for wt in ../workspaces/*; do git -C "$wt" status --porcelain; done'
    # With agents.fsmonitor: the first status starts the monitor and is answered "look at
    # everything" (it watches from then on); later ones look only at what changed.
    local monitored='git -c agents.fsmonitor=true agents status'
    bash -c "$monitored" >/dev/null
    logged "$s/monitored.out" bash -c "$monitored"
    check status "with agents.fsmonitor, status lists what it lists without" \
        diff -q "$s/status.out" "$s/monitored.out"
    check status "with agents.fsmonitor, status kept the monitor's token of all 16 worktrees" \
        test "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' \
            .git/agents/cache/monitored.v1.json)" = 16

    compare "$T/results/status.json" status "" git-agents "git agents status" \
        "git-agents fsmonitor" "$monitored" "git status loop" "$loop"
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/status.json" --section status \
        --ours "git-agents fsmonitor" --base "git status loop" --kind faster --goal 3
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/status.json" --section status \
        --ours git-agents --base "git status loop" --kind faster --goal 2
    kill "$(cat .git/agents/monitor.lock)" 2>/dev/null || true
}

section_clean() {
    say "clean: git agents clean --force vs the seed's cleanup-worktrees.sh + git branch -D"
    local repo s branches
    repo=$(fresh_repo clean)
    s="$T/clean"
    cd "$repo"
    branches=$(task_names . | sed 's|^|feature/|' | tr '\n' ' ')
    # Worktrees git agents made (clean removes no other kind; the seed's script removes any).
    local prepare="bash $(q "$BENCH/lib/reset.sh") $(q "$repo") && git agents spawn --command true -j 4 --quiet >/dev/null"
    local seed="bash $(q "$BENCH/seed/cleanup-worktrees.sh") && git branch -q -D $branches"

    eval "$prepare"
    check clean "prepare made 16 worktrees and branches" \
        test "$(linked_worktrees "$repo")/$(feature_branches "$repo")" = 16/16
    logged "$s/clean.out" git agents clean --force
    check clean "git agents clean --force removed all 16 worktrees and branches" \
        test "$(linked_worktrees "$repo")/$(feature_branches "$repo")/$(find ../workspaces -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" = 0/0/0
    eval "$prepare"
    logged "$s/seed.out" bash -c "$seed"
    check clean "seed cleanup + git branch -D removed all 16 worktrees and branches" \
        test "$(linked_worktrees "$repo")/$(feature_branches "$repo")" = 0/0

    compare "$T/results/clean.json" clean "$prepare" git-agents "git agents clean --force" seed "$seed"
    bash "$BENCH/lib/reset.sh" "$repo"
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/clean.json" --section clean \
        --ours git-agents --base seed --kind faster --goal 2
}

section_dir() {
    say "dir: git agents spawn --mode dir (200 tasks, agent true, -j 8) vs xargs -P 8"
    local repo s orig
    s="$T/dir"
    repo="$s/repo"
    mkdir -p "$repo"
    python3 "$BENCH/lib/fixture.py" dir "$repo" --tasks 200
    cd "$repo"
    (
        export GIT_AUTHOR_DATE="2025-01-01T00:00:00Z" GIT_COMMITTER_DATE="2025-01-01T00:00:00Z"
        git init -q && git add -A && git commit -q -m "200 tasks, one scope each"
    )
    orig=$(git rev-parse HEAD)
    local prepare="bash $(q "$BENCH/lib/reset.sh") $(q "$repo") --to $orig"
    local ours="git agents spawn --mode dir -j 8 --command true --quiet"
    local xargs="printf '%s\n' task-{1..200} | xargs -P 8 -n 1 true"

    eval "$prepare"
    logged "$s/smoke.out" git agents spawn --mode dir -j 8 --command true --quiet
    check dir "dir mode ran 200 tasks, main worktree still clean at its commit" \
        test "$(git rev-parse HEAD)/$(git status --porcelain | wc -l)" = "$orig/0"
    eval "$prepare"

    compare "$T/results/dir.json" dir "$prepare" git-agents "$ours" xargs "$xargs"
    python3 "$BENCH/lib/report.py" ratio "$ROWS" "$T/results/dir.json" --section dir \
        --ours git-agents --base xargs --kind within --goal 1.5
}

# shellcheck source=lib/scale.sh
. "$BENCH/lib/scale.sh"

# ---------------------------------------------------------------------------------------------
# Which sections exist in this build: a placeholder subcommand doesn't count.

has_section() {
    local help
    case $1 in
        spawn) git-agents spawn --help >/dev/null 2>&1 ;;
        merge) help=$(git-agents merge --help 2>/dev/null) && grep -q -- '--dry-run' <<<"$help" ;;
        status) git-agents status --help >/dev/null 2>&1 ;;
        clean) help=$(git-agents clean --help 2>/dev/null) && grep -q -- '--force' <<<"$help" ;;
        dir) help=$(git-agents spawn --help 2>/dev/null) && grep -q -- '--mode' <<<"$help" ;;
        scale | footprint) help=$(git-agents clean --help 2>/dev/null) && grep -q -- '--force' <<<"$help" ;;
        monorepo) help=$(git-agents spawn --help 2>/dev/null) && grep -q -- '--sparse' <<<"$help" ;;
    esac
}
what_missing() {
    case $1 in
        spawn) echo "git agents spawn does not exist in this build" ;;
        merge) echo "git agents merge --dry-run does not exist in this build yet" ;;
        status) echo "git agents status does not exist in this build yet" ;;
        clean) echo "git agents clean --force does not exist in this build yet" ;;
        dir) echo "git agents spawn --mode dir does not exist in this build yet" ;;
        scale | footprint) echo "git agents clean --force does not exist in this build yet" ;;
        monorepo) echo "git agents spawn --sparse does not exist in this build yet" ;;
    esac
}

FIXTURE_DESC="(not built)"
RUNNABLE=()
for s in "${SECTIONS[@]}"; do
    if has_section "$s"; then RUNNABLE+=("$s"); else
        say "$s: skipped ($(what_missing "$s"))"
        note "$s" skip "skipped: $(what_missing "$s")"
    fi
done
for s in "${RUNNABLE[@]}"; do
    case $s in spawn | merge | status | clean) build_fixture; break ;; esac
done

for s in "${RUNNABLE[@]}"; do
    set +e
    (set -e; "section_$s")
    rc=$?
    set -e
    cd "$T"
    [ "$KEEP" = 1 ] || rm -rf "${T:?}/$s" # free the space (tmpfs is memory) before the next one
    if [ "$rc" != 0 ]; then
        say "$s: FAILED (exit $rc); see the output above"
        note "$s" error "the section failed (exit $rc); see the run's output"
    fi
done

# ---------------------------------------------------------------------------------------------
# Summary

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]; then
    commit="$commit + uncommitted changes"
fi
mode=full
[ "$QUICK" = 0 ] || mode=quick
[ -z "$RUNS" ] || mode="$mode, --runs $RUNS"
say "summary"
status=0
python3 "$BENCH/lib/report.py" table "$ROWS" "$BENCH/results.md" \
    --meta "date: $(date -u '+%Y-%m-%d %H:%M UTC')" \
    --meta "git-agents: $("$BIN" --version | awk '{print $2}') at $commit" \
    --meta "command: bash bench/run.sh${ARGS:+ $ARGS} (mode: $mode; sections: ${SECTIONS[*]})" \
    --meta "machine: $(nproc) CPUs, $(uname -sr); $(hyperfine --version); $(git --version)" \
    --meta "fixture: $FIXTURE_DESC" \
    --meta "temporary directory: $TEMP_DESC" \
    --meta "total time: $(($(date +%s) - START)) s" || status=$?
echo "(written to bench/results.md)" >&2
exit "$status"

#!/usr/bin/env bash
# Put a benchmark repository back to its starting point (used as hyperfine --prepare).
#
#   reset.sh REPO [--keep-worktrees] [--to SHA] [--rm DIR]... [--add-worktrees]
#
# By default: remove every linked worktree (the ../workspaces tree is deleted, anything
# registered elsewhere goes through `git worktree remove --force`), `git worktree prune`,
# delete the branches feature/*, and remove ../workspaces, ../logs and .git/agents.
#   --keep-worktrees  leave worktrees, branches and ../workspaces alone (merge section)
#   --to SHA          `git reset --hard SHA` in the main worktree (untracked files are kept)
#   --rm DIR          also delete DIR (e.g. the cp -a copies)
#   --add-worktrees   afterwards, `git worktree add -b feature/<task> ../workspaces/<task>`
#                     for every .claude/tasks/*.md (clean section: both sides start equal)
set -euo pipefail

repo=$1
shift
keep=0 to="" add=0 extra=()
while [ $# -gt 0 ]; do
    case $1 in
        --keep-worktrees) keep=1 ;;
        --to) to=$2; shift ;;
        --rm) extra+=("$2"); shift ;;
        --add-worktrees) add=1 ;;
        *) echo "reset.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

cd "$repo"
common=$(git rev-parse --git-common-dir)

if [ "$keep" = 0 ]; then
    rm -rf ../workspaces ../logs "$common/agents"
    # Linked worktrees registered outside ../workspaces (none in this benchmark, but be
    # thorough); a registration that is not really ours (a copied repository) is dropped.
    for admin in "$common"/worktrees/*/; do
        [ -f "$admin/gitdir" ] || continue
        wt=$(dirname "$(cat "$admin/gitdir")")
        if [ -e "$wt" ]; then
            git worktree remove --force --force "$wt" 2>/dev/null || rm -rf "$admin"
        fi
    done
    git worktree prune
    git for-each-ref --format='delete %(refname)' refs/heads/feature/ | git update-ref --stdin
else
    rm -rf "$common/agents"
fi
if [ ${#extra[@]} -gt 0 ]; then rm -rf "${extra[@]}"; fi

if [ -n "$to" ]; then
    rm -f "$common/MERGE_HEAD" "$common/MERGE_MSG" "$common/MERGE_MODE"
    git reset --hard -q "$to"
fi

if [ "$add" = 1 ]; then
    for f in .claude/tasks/*.md; do
        t=$(basename "$f" .md)
        git worktree add -q -b "feature/$t" "../workspaces/$t"
    done
fi

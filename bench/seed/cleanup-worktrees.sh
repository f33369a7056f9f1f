#!/bin/bash
# cleanup-worktrees.sh

WORKSPACE_ROOT="../workspaces"

for workspace in "$WORKSPACE_ROOT"/*; do
    if [ -d "$workspace" ]; then
        git worktree remove "$workspace" --force
    fi
done

#!/bin/bash
# setup-worktrees.sh

TASKS_DIR=".claude/tasks"
WORKSPACE_ROOT="../workspaces"

mkdir -p "$WORKSPACE_ROOT"

for task_file in "$TASKS_DIR"/*.md; do
    task_name=$(basename "$task_file" .md)
    branch_name="feature/$task_name"

    echo "Creating worktree for $task_name..."
    git worktree add "$WORKSPACE_ROOT/$task_name" -b "$branch_name"

    # Copy contracts to each workspace
    cp -r .claude/contracts "$WORKSPACE_ROOT/$task_name/.claude/"
done

echo "Worktrees ready in $WORKSPACE_ROOT/"

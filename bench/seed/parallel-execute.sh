#!/bin/bash
# parallel-execute.sh

TASKS_DIR=".claude/tasks"
WORKSPACE_ROOT="../workspaces"
LOG_DIR="../logs"

mkdir -p "$LOG_DIR"

for task_file in "$TASKS_DIR"/*.md; do
    task_name=$(basename "$task_file" .md)
    workspace="$WORKSPACE_ROOT/$task_name"

    (
        cd "$workspace"
        echo "Starting agent for $task_name..."
        true \
            > "$LOG_DIR/$task_name.log" 2>&1
        echo "Completed $task_name"
    ) &
done

wait
echo "All agents complete. Logs in $LOG_DIR/"

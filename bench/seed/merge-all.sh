#!/bin/bash
# merge-all.sh

WORKSPACE_ROOT="../workspaces"

git checkout main

for workspace in "$WORKSPACE_ROOT"/*; do
    if [ -d "$workspace" ]; then
        branch=$(basename "$workspace")
        echo "Merging feature/$branch..."
        git merge "feature/$branch" --no-edit || {
            echo "Conflict in $branch - manual resolution needed"
            exit 1
        }
    fi
done

echo "All branches merged successfully"

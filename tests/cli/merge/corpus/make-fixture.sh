#!/usr/bin/env bash
# Pin real merges for tests/cli/merge/corpus.rs, and optionally bundle the history they need.
#
#   make-fixture.sh REPO RANGE [CLEAN [CONFLICTING]] > tests/cli/merge/corpus/merges
#   BUNDLE=tests/cli/merge/corpus/history.bundle make-fixture.sh REPO RANGE > ...
#   SOURCE=https://github.com/git/git make-fixture.sh ...   (names REPO in the header)
#
# Candidates are the two-parent merges in RANGE (git rev-list syntax) that are real three-way
# merges (no merge base is a parent), whose sides both changed at least one file since the merge
# base, and at most MAX_FILES (default 200) files each (git agents' rename detection is slow on
# huge sides, and the test must stay quick). Each is classified by `git merge-tree` and CLEAN
# (default 160) clean and CONFLICTING (default 80) conflicting ones are kept, spread evenly over
# the range. Output: a header, then "merge parent1 parent2 clean|conflict" lines.
#
# The repository is only read: the work happens in a temporary repository borrowing its objects.
set -euo pipefail

repo=${1:?usage: make-fixture.sh REPO RANGE [CLEAN [CONFLICTING]]}
range=${2:?usage: make-fixture.sh REPO RANGE [CLEAN [CONFLICTING]]}
want_clean=${3:-160}
want_conflict=${4:-80}
max_files=${MAX_FILES:-200}

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
objects=$(git -C "$repo" rev-parse --path-format=absolute --git-path objects)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git init -q --bare "$tmp/repo.git"
echo "$objects" >"$tmp/repo.git/objects/info/alternates"
g() { git --git-dir="$tmp/repo.git" "$@"; }

# Merge-base walks dominate; a commit-graph makes them cheap.
git -C "$repo" rev-list --merges --parents "$range" >"$tmp/merges"
awk '{ print "create refs/scan/" NR " " $1 }' "$tmp/merges" | g update-ref --stdin
g commit-graph write --reachable

changed() { g diff --no-renames --name-only "$1" "$2" | sort; }

while read -r merge ours theirs rest; do
	[[ -z "$rest" ]] || continue
	bases=$(g merge-base --all "$ours" "$theirs") || continue
	first=${bases%%$'\n'*}
	[[ "$bases" != *"$ours"* && "$bases" != *"$theirs"* ]] || continue
	changed "$first" "$ours" >"$tmp/a"
	changed "$first" "$theirs" >"$tmp/b"
	(($(wc -l <"$tmp/a") <= max_files && $(wc -l <"$tmp/b") <= max_files)) || continue
	[[ -n "$(comm -12 "$tmp/a" "$tmp/b")" ]] || continue
	if g merge-tree --write-tree --no-messages "$ours" "$theirs" >/dev/null; then
		echo "$merge $ours $theirs clean"
	else
		echo "$merge $ours $theirs conflict"
	fi
done <"$tmp/merges" >"$tmp/candidates"

# Every (n/want)-th candidate of each kind, oldest first.
spread() {
	grep " $1\$" "$tmp/candidates" | tac | awk -v want="$2" '
		{ line[NR] = $0 }
		END { step = NR / want; if (step < 1) step = 1
		      for (i = 0; i < want && int(i * step) < NR; i++) print line[int(i * step) + 1] }'
}
{
	spread clean "$want_clean"
	spread conflict "$want_conflict"
} >"$tmp/pinned"

echo "# Real merges for tests/cli/merge/corpus.rs, made by make-fixture.sh:"
echo "# source ${SOURCE:-$(git -C "$repo" config --get remote.origin.url || echo "$repo")}, range $range"
echo "# ($(git -C "$repo" rev-parse "$range" | tr '\n' ' ' | sed 's/ $//')),"
echo "# $(grep -c ' clean$' "$tmp/pinned") clean and $(grep -c ' conflict$' "$tmp/pinned") conflicting" \
	"of $(wc -l <"$tmp/candidates") candidates (git $(git version | cut -d' ' -f3))."
echo "# merge parent1 parent2 outcome-by-git-merge-tree"
cat "$tmp/pinned"

if [[ -n "${BUNDLE:-}" ]]; then
	g for-each-ref --format='delete %(refname)' refs/scan/ | g update-ref --stdin
	awk '{ print "create refs/corpus/" NR "/ours " $2; print "create refs/corpus/" NR "/theirs " $3 }' \
		"$tmp/pinned" | g update-ref --stdin
	g bundle create "$BUNDLE" --glob='refs/corpus/*' >&2
fi

#!/bin/sh
# The whole git-graft story, on the example dependency in this directory,
# in a temporary directory (kept with DEMO_KEEP=1):
#
#   1. textkit, a small shell library, is built from textkit/<version>/
#      with one tagged commit per version; app (from app/) uses it.
#   2. app adds textkit at v1.0.0.
#   3. An upgrade to the newest textkit runs its migration, whose
#      verification fails: everything is rolled back.
#   4. The cause is fixed, and the upgrade succeeds as one commit.
#
# usage: examples/demo.sh [path to git-graft]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
graft_bin=$(cd "$here/.." && pwd)/git-graft
[ $# -gt 0 ] && graft_bin=$1
[ -x "$graft_bin" ] || { echo "demo: no git-graft at $graft_bin; run make" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/graft-demo.XXXXXX")
if [ -n "${DEMO_KEEP:-}" ]; then
	echo "demo: working in $work (kept)"
else
	trap 'rm -rf "$work"' EXIT
fi

# A world of its own: the user's git config and identity stay out of it.
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 LC_ALL=C TZ=UTC
unset GIT_DIR GIT_WORK_TREE XDG_CONFIG_HOME
mkdir -p "$HOME" "$work/bin"
git config --global user.name "Demo User"
git config --global user.email demo@example.com
git config --global init.defaultBranch main
git config --global advice.detachedHead false
# `git graft` finds git-graft on PATH, as an installed one would be found
ln -s "$graft_bin" "$work/bin/git-graft"
PATH="$work/bin:$PATH"

if [ -t 1 ]; then bold=$(printf '\033[1m'); dim=$(printf '\033[2m'); off=$(printf '\033[m')
else bold= dim= off=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
say() { printf '%s%s%s\n' "$dim" "$*" "$off"; }
run() { printf '%s$ %s%s\n' "$bold" "$*" "$off"; "$@"; }

step "The dependency: textkit, one tagged commit per version"
git init -q "$work/textkit"
for version in v1.0.0 v1.1.0 v2.0.0; do
	(cd "$work/textkit" && git rm -rqf --ignore-unmatch . &&
	 cp -R "$here/textkit/$version/." . && git add -A &&
	 git commit -qm "textkit $version" && git tag "$version")
done
(cd "$work/textkit" && git log --oneline --decorate)
say "v2.0.0 renames tk_upper to tk_shout and declares, in its graft.ini,"
say "a migration that rewrites callers and a verification that none is left:"
sed -n '/\[change "v2.0.0"\]/,$p' "$here/textkit/v2.0.0/graft.ini"

step "The consumer: app, which prints with textkit"
git init -q "$work/app"
cp -R "$here/app/." "$work/app/"
cd "$work/app"
git add -A
git commit -qm "app: greet in capitals"
run git graft add textkit ../textkit#v1.0.0
run git commit -qm "Depend on textkit 1.0.0"
run sh src/app.sh
run git graft status

step "What an upgrade would do"
run git graft changes textkit
run git graft upgrade --dry-run textkit

step "An upgrade whose verification fails is rolled back"
say "bin/greet calls tk_upper too, but is not named *.sh: the migration misses it."
echo "a note I have not committed yet" > NOTES.txt
run git status --short
status=0
run git graft upgrade textkit || status=$?
say "git graft upgrade exited with $status; everything is as it was:"
run git status --short
run grep -n tk_ src/app.sh bin/greet
run git -C .graft/textkit describe --tags
run git for-each-ref refs/graft

step "Fix the cause, then upgrade again"
run git mv bin/greet bin/greet.sh
run git commit -qm "bin/greet is a shell script: name it so"
run git graft upgrade textkit
run git log -1 --format='%H%n%n%B'
run git show --stat --format= HEAD
run sh src/app.sh
run sh bin/greet.sh world
run git status --short

step "History and state"
run git graft log
run git graft status

step "Every upgrade can be undone later, with a new commit"
run git graft rollback --list
run git graft rollback textkit
run git log -1 --format=%B
run sh src/app.sh
run git -C .graft/textkit describe --tags
run git graft log

# What the sweep compares: the state of a consumer repository and of its
# dependency's checkout, as text, commit ids and dates aside. Sourced.
#
# repo_state <app>: HEAD's branch, tree, message and the number of commits;
# the refs but refs/graft/attempts/* (another run's commits may differ in
# id, so refs are named, not their ids); index entries with modes, stages
# and flags; porcelain status with untracked and ignored files; every work
# tree file's type, permission bits and content (graft.lock with its
# consumed_at dates masked); the stash list; .git/config; the dependency's
# checked-out commit, index and status.
# Read-only: git runs with --no-optional-locks, so that looking at a
# repository never refreshes its index.

state_git() {
	git --no-optional-locks "$@"
}

# The index: entries, and the flags git keeps for them (assume-unchanged,
# skip-worktree, intent-to-add), not the stat data.
state_index() {
	state_git -C "$1" ls-files -s --debug | awk '
		/^[0-7]+ [0-9a-f]+ [0-3]\t/ { entry = $0; next }
		/flags:/ { sub(/.*flags: */, ""); print entry " flags " $0 }'
}

state_files() {
	(
		cd "$1" &&
		find . -path ./.git -prune -o ! -path . -printf '%y %m %p -> %l\n' |
			sed 's/ -> $//' | LC_ALL=C sort &&
		find . -path ./.git -prune -o -type f ! -name graft.lock -print0 |
			LC_ALL=C sort -z | xargs -0 -r md5sum | sed 's/^/content /' &&
		if [ -f graft.lock ]; then
			sed 's/^consumed_at = .*/consumed_at = <date>/; s/^/graft.lock: /' \
				graft.lock
		fi
	)
}

# Each line names what it is about, so that a difference reads alone.
tag() {
	sed "s/^/$1: /"
}

repo_state() {
	local app="$1"

	{
		state_git -C "$app" symbolic-ref -q HEAD || echo '(detached)'
		state_git -C "$app" rev-parse -q --verify 'HEAD^{tree}' ||
			echo '(no commit)'
		state_git -C "$app" rev-list --count HEAD 2>/dev/null | tag commits
		state_git -C "$app" log -1 --format=%B HEAD 2>/dev/null | tag message
	} | tag HEAD
	state_git -C "$app" for-each-ref --format='%(refname)' |
		grep -v '^refs/graft/attempts/' | tag ref
	state_index "$app" | tag index
	state_git -C "$app" status --porcelain=v2 -uall --ignored | tag status
	state_git -C "$app" stash list --format='%gs' | tag stash
	state_git -C "$app" config --local --list | LC_ALL=C sort | tag config
	state_files "$app" | tag file
	{
		state_git -C "$app/.graft/kb" rev-parse HEAD | tag HEAD
		state_index "$app/.graft/kb" | tag index
		state_git -C "$app/.graft/kb" status --porcelain=v2 -uall --ignored |
			tag status
	} | tag kb
}

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
# The sweep dumps a state once or twice a point, thousands of times: each
# part is written under a "== <tag>" line and one awk puts the tag in front
# of its lines, so that a dump starts about twenty processes.

state_git() {
	git --no-optional-locks "$@"
}

# The index with the flags git keeps for each entry (assume-unchanged,
# skip-worktree, intent-to-add), not the stat data: "--debug" prints them
# on a line of their own after the entry.
state_index() {
	echo "== $2"
	state_git -C "$1" ls-files -s --debug
}

state_files() {
	echo "== file"
	(
		cd "$1" &&
		{
			find . -path ./.git -prune -o ! -path . \
				-printf '%y %m %p -> %l\n' &&
			find . -path ./.git -prune -o -type f ! -name graft.lock \
				-exec md5sum {} +
		} | LC_ALL=C sort &&
		if [ -f graft.lock ]; then
			echo "== file: graft.lock"
			sed 's/^consumed_at = .*/consumed_at = <date>/' graft.lock
		fi
	)
}

repo_state() {
	local app="$1"

	{
		echo "== HEAD"
		state_git -C "$app" symbolic-ref -q HEAD || echo '(detached)'
		state_git -C "$app" log -1 --format='%T%n== HEAD: message%n%B' \
			HEAD 2>/dev/null || echo '(no commit)'
		echo "== HEAD: commits"
		state_git -C "$app" rev-list --count HEAD 2>/dev/null
		echo "== ref"
		state_git -C "$app" for-each-ref --format='%(refname)'
		state_index "$app" index
		echo "== status"
		state_git -C "$app" status --porcelain=v2 -uall --ignored
		echo "== stash"
		state_git -C "$app" stash list --format='%gs'
		echo "== config"
		state_git -C "$app" config --local --list | LC_ALL=C sort
		state_files "$app"
		state_index "$app/.graft/kb" "kb: index"
		# --branch: the checked-out commit, as "# branch.oid <id>"
		echo "== kb: status"
		state_git -C "$app/.graft/kb" status --porcelain=v2 --branch \
			-uall --ignored
	} | awk '
		# the index: an entry line, then its flags line
		/^== / { tag = substr($0, 4); next }
		tag ~ /index$/ {
			if ($0 ~ /^[0-7]+ [0-9a-f]+ [0-3]\t/) entry = $0
			else if ($0 ~ /flags:/) {
				sub(/.*flags: */, "")
				print tag ": " entry " flags " $0
			}
			next
		}
		tag == "ref" && /^refs\/graft\/attempts\// { next }
		# a file: "<type> <mode> ./path -> <link target>", or md5sum
		# output "<sum>  ./path"
		tag == "file" {
			if ($0 ~ /^[0-9a-f]+  /) print "file: content " $0
			else { sub(/ -> $/, ""); print "file: " $0 }
			next
		}
		{ print tag ": " $0 }'
}

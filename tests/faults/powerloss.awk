# Power loss, read from the trace of one run without faults (strace -y
# -qq -e signal=none, git-graft's own process): what the page cache may
# lose must not be what the next step relies on. Checked:
#
#   file      a file renamed or linked into place under the git directory
#             (objects, refs, reflogs, index, packed-refs, HEAD, the
#             dependency's git directory under .git/modules) or as
#             graft.lock was fsync'd (or fdatasync'd) after its last write
#             and before the rename; but for an index or a reflog, which
#             libgit2 1.5 writes and renames without an fsync: that one
#             must be fsync'd (or the file system synced) after the
#             rename, before the next step. A power cut between the two
#             can lose that file alone, while the snapshot that puts it
#             back is still pending;
#   dir       its directory is fsync'd after the rename, before the next
#             step: the next change outside the git directory (the work
#             tree, the dependency's checkout, graft.lock), the start of a
#             command (which may change them), or the end;
#   append    a file under the git directory written in place (a reflog,
#             opened with O_APPEND) is fsync'd before the next step;
#   mkdir     a directory git-graft creates in the git directory has its
#             parent fsync'd after it, before the next step.
#
# usage: awk -v root=<dir of the run> -v op=<operation> -f powerloss.awk <trace>
# prints a violation a line: <op> <rule> <what>, tab-separated, with paths
# relative to root.

function rel(p) {
	if (index(p, root "/") == 1)
		return substr(p, length(root) + 2)
	return p
}

function dirname(p,    i) {
	for (i = length(p); i > 1 && substr(p, i, 1) != "/"; i--)
		;
	return substr(p, 1, i - 1)
}

# the path of the descriptor in the call's first argument: fd<path>
function fd_path(s,    a, b) {
	a = index(s, "<")
	if (!a)
		return ""
	s = substr(s, a + 1)
	b = index(s, ">")
	return b ? substr(s, 1, b - 1) : ""
}

# the quoted paths of the call, in order, into paths[]; for *at calls a
# relative one is taken from the directory descriptor before it
function split_paths(s,    n, q, e, p, dir) {
	n = 0
	dir = ""
	while ((q = index(s, "\"")) > 0) {
		pre = substr(s, 1, q - 1)
		if (match(pre, /<[^>]*>, *$/))
			dir = substr(pre, RSTART + 1, RLENGTH - 3)
		s = substr(s, q + 1)
		e = index(s, "\"")
		p = substr(s, 1, e - 1)
		s = substr(s, e + 1)
		if (substr(p, 1, 1) != "/" && dir != "")
			p = dir "/" p
		paths[++n] = p
		dir = ""
	}
	return n
}

function in_gitdir(p) {
	return index(p, root "/app/.git/") == 1
}

function durable(p,    b) {
	b = p
	sub(/.*\//, "", b)
	return in_gitdir(p) || b == "graft.lock"
}

# graft.lock's temporary: changing it changes nothing until its rename
function temporary_lock(p) {
	return p ~ /\/\.graft\.lock\.[^\/]*$/
}

# in the consumer's work tree (the dependency's checkout too), not in
# its git directory
function worktree(p) {
	return (p == root "/app" || index(p, root "/app/") == 1) && !in_gitdir(p)
}

function violate(rule, what) {
	printf "%s\t%s\t%s\n", op, rule, what
	bad++
}

# what libgit2 1.5 renames into place unsynced: the index, a reflog
function synced_late(p) {
	return p ~ /\/index$/ || p ~ /\/logs\//
}

# a step: every pending obligation must have been met
function step(what,    k) {
	for (k in want_dir)
		violate("dir", "renamed into place, its directory " rel(want_dir[k]) \
			" not fsync'd before " what ": " rel(k))
	for (k in want_parent)
		violate("mkdir", "created, its parent " rel(want_parent[k]) \
			" not fsync'd before " what ": " rel(k))
	for (k in want_append)
		violate("append", "written in place, not fsync'd before " what \
			": " rel(k))
	for (k in want_late)
		violate("file", "renamed into place by libgit2, not fsync'd before " \
			what ": " rel(k))
	split("", want_late)
	split("", want_dir)
	split("", want_parent)
	split("", want_append)
}

function ok(s) {
	return s ~ /\) += 0$/ || s ~ /\) += [0-9]+<.*>$/ || s ~ /\) += [1-9][0-9]*$/
}

{
	p = index($0, "(")
	if (p < 2)
		next
	name = substr($0, 1, p - 1)
	args = substr($0, p + 1)
	if (!ok($0))
		next
}

name ~ /^(write|pwrite64|writev|pwritev|pwritev2|ftruncate|fallocate)$/ {
	f = fd_path(args)
	if (f == "")
		next
	written[f] = NR
	if (in_gitdir(f) && appending[f])
		want_append[f] = 1
	else if (worktree(f) && !temporary_lock(f))
		step("changing " rel(f))
	next
}

name == "openat" || name == "open" || name == "creat" {
	if (args !~ /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/ && name != "creat")
		next
	split_paths(args)
	f = paths[1]
	appending[f] = (args ~ /O_APPEND/)
	delete synced[f]
	if (args ~ /O_CREAT|O_TRUNC/ || name == "creat")
		written[f] = NR
	if (worktree(f) && !temporary_lock(f))
		step("changing " rel(f))
	next
}

name == "fsync" || name == "fdatasync" {
	f = fd_path(args)
	synced[f] = NR
	for (k in want_dir)
		if (want_dir[k] == f)
			delete want_dir[k]
	for (k in want_parent)
		if (want_parent[k] == f)
			delete want_parent[k]
	delete want_append[f]
	delete want_late[f]
	next
}

name == "syncfs" {
	split("", want_late)
	split("", want_dir)
	split("", want_parent)
	split("", want_append)
	for (k in written)
		synced[k] = NR
	next
}

name ~ /^(rename|renameat|renameat2|link|linkat)$/ {
	split_paths(args)
	from = paths[1]
	to = paths[2]
	if (worktree(to))
		step("changing " rel(to))
	if (durable(to)) {
		if ((from in synced) && synced[from] >= written[from])
			;
		else if (synced_late(to))
			want_late[to] = 1
		else
			violate("file", "renamed into place without an fsync of its data: " \
				rel(from) " -> " rel(to))
		want_dir[to] = dirname(to)
	}
	written[to] = written[from]
	if (from in synced)
		synced[to] = synced[from]
	next
}

name ~ /^(mkdir|mkdirat)$/ {
	split_paths(args)
	if (worktree(paths[1]))
		step("changing " rel(paths[1]))
	else if (in_gitdir(paths[1]))
		want_parent[paths[1]] = dirname(paths[1])
	next
}

name ~ /^(unlink|unlinkat|rmdir|symlink|symlinkat|fchmod|fchmodat|chmod|utimensat|truncate)$/ {
	n = split_paths(args)
	f = n ? paths[n] : fd_path(args)
	if (worktree(f))
		step("changing " rel(f))
	next
}

# a command git-graft starts may change the work tree
name ~ /^(clone|clone3|fork|vfork)$/ {
	step("starting a command")
	next
}

END {
	step("the end")
	exit bad ? 1 : 0
}

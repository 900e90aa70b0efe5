# The fault points of a trace recorded by `strace -y -qq -e signal=none`
# of git-graft alone: every call that changes a file, a directory or what
# is durable, with its number among all calls of the same system call
# (what strace's when=N counts: an openat that only reads counts too).
#
# usage: awk -v root=<dir> -f points.awk <trace>
# prints, a line each, tab-separated:
#   <syscall> <N> <line of the trace> <signature>
# where the signature is the call as it must look in every run of the
# same point: root becomes <w>, random parts of temporary names and pipe
# inodes and object names are masked, and a write is named by its
# descriptor alone (its bytes hold stat data that changes from copy to
# copy).

function normalise(s) {
	if (root != "") {
		while ((i = index(s, root)) > 0)
			s = substr(s, 1, i - 1) "<w>" substr(s, i + length(root))
	}
	gsub(/pipe:\[[0-9]+\]/, "pipe", s)
	gsub(/socket:\[[0-9]+\]/, "socket", s)
	# a snapshot's records hold inode numbers, so its objects' names
	# (and the fan-out directories they go in) differ from copy to copy
	gsub(/\/objects\/[0-9a-f][0-9a-f]\/[0-9a-f]+/, "/objects/<id>", s)
	return mask_random(mask_fanout(s))
}

# An object directory named alone: "objects/8d" followed by '"' or '>'.
function mask_fanout(s,    out) {
	out = ""
	while (match(s, /\/objects\/[0-9a-f][0-9a-f][">]/)) {
		out = out substr(s, 1, RSTART - 1) "/objects/<fan>" \
		      substr(s, RSTART + RLENGTH - 1, 1)
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

# Temporary names made unique at random (mkstemp's XXXXXX, libgit2's
# tmp_object_git2_<hex>): a part of a name after ".", "-" or "_", six
# letters and digits or more, with a digit in it or letters of both
# cases (not a flag such as O_WRONLY), or exactly six after "." (mkstemp
# may well draw six capitals).
function mask_random(s,    out, tok) {
	out = ""
	while (match(s, /[._-][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z]+/)) {
		tok = substr(s, RSTART + 1, RLENGTH - 1)
		out = out substr(s, 1, RSTART)
		out = out (tok ~ /[0-9]/ || (tok ~ /[a-z]/ && tok ~ /[A-Z]/) ||
			   (substr(s, RSTART, 1) == "." && length(tok) == 6) ? "*" : tok)
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

function mutating(name, line) {
	if (name ~ /^(write|pwrite64|writev|pwritev|pwritev2|creat|rename|renameat|renameat2|link|linkat|symlink|symlinkat|unlink|unlinkat|mkdir|mkdirat|rmdir|fsync|fdatasync|syncfs|sync_file_range|ftruncate|truncate|fchmod|fchmodat|chmod|utimensat|fallocate|copy_file_range)$/)
		return 1
	if (name == "open" || name == "openat")
		return line ~ /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/
	return 0
}

{
	p = index($0, "(")
	if (p < 2)
		next
	name = substr($0, 1, p - 1)
	if (name !~ /^[a-z_0-9]+$/)
		next
	count[name]++
	if (!mutating(name, $0))
		next
	call = $0
	# strace pads short calls before " = ": cut at the last ") ... = "
	if (match(call, /\) +=( .*)?$/))
		call = substr(call, 1, RSTART)
	if (name ~ /^(write|pwrite64|writev|pwritev|pwritev2)$/) {
		c = index(call, ",")
		if (c > 0)
			call = substr(call, 1, c - 1) ")"
	}
	emit(name "\t" count[name] "\t" NR "\t" normalise(call), \
	     call ~ /^write\([12]</ ? call : "")
}

# A point is printed once the next one shows whether it ends a message.
function emit(line, output) {
	if (held != "")
		print held "\t" (held_output != "" && held_output == prev_output && \
				  output == held_output ? "inner" : "point")
	prev_output = held_output
	held = line
	held_output = output
}

END {
	emit("", "")
}

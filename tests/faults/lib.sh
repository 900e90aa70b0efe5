# Shared by the scripts of tests/faults: the pinned environment, how
# git-graft is started, and the operations the sweep covers.
# Sourced, not run; the caller sets GRAFT (the binary), SHIM (the
# fixed-time library), FAULTS_HOME (a directory for $HOME) and NS (the
# pid-namespace prefix, possibly empty).

# Everything a run could inherit that changes what git or git-graft does
# or which system calls it makes.
faults_pin_env() {
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
		GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CONFIG_PARAMETERS \
		GIT_CONFIG_COUNT GIT_CEILING_DIRECTORIES GIT_NAMESPACE \
		GIT_PREFIX GIT_EXEC_PATH GIT_ADVICE GIT_PAGER_IN_USE GIT_TRACE \
		GIT_COMMON_DIR GIT_CONFIG_GLOBAL GIT_CONFIG_SYSTEM EMAIL \
		MAKEFLAGS MFLAGS MAKELEVEL LANGUAGE LC_ALL LD_PRELOAD \
		GRAFT_TEST_CRASH_AT FAULT_VERIFY
	export HOME="$FAULTS_HOME"
	export XDG_CONFIG_HOME="$FAULTS_HOME/.config"
	export GIT_CONFIG_NOSYSTEM=1
	export LANG=C LC_ALL=C TZ=UTC TERM=dumb NO_COLOR=1 PAGER=cat EDITOR=:
	export GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL=author@example.com
	export GIT_COMMITTER_NAME='C O Mitter'
	export GIT_COMMITTER_EMAIL=committer@example.com
	export GIT_AUTHOR_DATE='1112911993 -0700'
	export GIT_COMMITTER_DATE='1112911993 -0700'
	export GRAFT_FAULTS_TIME=1112911993
	export GIT_MERGE_AUTOEDIT=no
	umask 022
}

# $HOME for every run: local sources allowed as git before 2.38.1 did.
faults_make_home() {
	mkdir -p "$FAULTS_HOME/.config"
	printf '%s\n' '[init]' '	defaultBranch = main' \
		'[protocol "file"]' '	allow = always' \
		'[advice]' '	detachedHead = false' >"$FAULTS_HOME/.gitconfig"
}

# How git-graft runs: in a pid namespace of its own when one can be made
# (its pid, which it writes into the snapshot and temporary names, is then
# the same in every run), with the wall clock fixed. "$@": what to run.
# The namespace's first process ignores even SIGKILL sent from inside,
# so git-graft must not be it: timeout is (it ends a run that hangs after
# FAULT_TIMEOUT seconds, exit status 124, and says nothing when its
# command is killed).
graft_pinned() {
	$NS timeout -k 5 "${FAULT_TIMEOUT:-60}" env LD_PRELOAD="$SHIM" "$@"
}

# git-graft without faults, in the current directory.
graft_plain() {
	graft_pinned "$GRAFT" "$@"
}

# fixture_copy <fixture> <dir>: a fresh copy of a fixture of the template
# in dir, which exists. An archive of each fixture (fixture_build makes
# them) is unpacked: a point makes one copy, and tar makes it in half the
# time cp -a takes, for the copy skips the owners, extended attributes and
# access times that no point looks at. Modes and modification times are
# kept: git-graft reads both.
fixture_copy() {
	tar -C "$2" --same-permissions -xf "$FAULT_TEMPLATE/$1.tar"
}

# The operations: name, fixture, arguments, the verification's verdict.
# An operation's fixture is a directory of the template (see fixture.sh).
op_fixture() {
	case "$1" in
	upgrade-fail|upgrade-ok) echo clean ;;
	upgrade-fail-autostash|upgrade-ok-autostash) echo dirty ;;
	rollback-pending) echo pending ;;
	rollback-committed) echo committed ;;
	*) return 1 ;;
	esac
}

op_args() {
	case "$1" in
	upgrade-fail|upgrade-ok) echo "upgrade kb --to v2.0.0" ;;
	upgrade-fail-autostash|upgrade-ok-autostash)
		echo "upgrade kb --to v2.0.0 --autostash" ;;
	rollback-pending) echo "rollback" ;;
	rollback-committed) echo "rollback kb" ;;
	*) return 1 ;;
	esac
}

op_verify() {
	case "$1" in
	upgrade-fail|upgrade-fail-autostash) echo fail ;;
	*) echo pass ;;
	esac
}

# The exit status of the operation without faults.
op_status() {
	case "$1" in
	upgrade-fail|upgrade-fail-autostash) echo 1 ;;
	*) echo 0 ;;
	esac
}

# The further upgrade that must succeed after each point.
op_next_args() {
	case "$1" in
	*-autostash) echo "upgrade kb --to v2.0.0 --autostash" ;;
	*) echo "upgrade kb --to v2.0.0" ;;
	esac
}

ALL_OPS="upgrade-fail upgrade-ok upgrade-fail-autostash upgrade-ok-autostash rollback-pending rollback-committed"
ALL_KINDS="kill eio enospc enospc-full"

# The strace -e inject= argument of a fault at the Nth call.
fault_inject() {
	case "$3" in
	kill) echo "$1:signal=KILL:when=$2" ;;
	eio) echo "$1:error=EIO:when=$2" ;;
	enospc) echo "$1:error=ENOSPC:when=$2" ;;
	enospc-full) echo "$1:error=ENOSPC:when=$2+" ;;
	*) return 1 ;;
	esac
}

# The fixtures of the sweep, built with the git CLI and git-graft itself.
# Sourced by tests/faults/run after lib.sh; fixture_build <dir> makes
#   <dir>/clean      app (the consumer) and kb (its dependency, at v1.0.0)
#   <dir>/dirty      the same with staged and unstaged edits of tracked files
#   <dir>/pending    clean after an upgrade killed after the dependency's
#                    checkout: its snapshot ref is pending
#   <dir>/committed  clean after a committed upgrade to v2.0.0
# and <dir>/<fixture>.tar, an archive of each, for fixture_copy.
# Each holds app/ and kb/ side by side (app names its source ../kb), so a
# copy of one is a repository pair of its own.
#
# kb's v2.0.0 changes its files, adds some, and declares the change
# v2.0.0: the migration edits a tracked file of app and creates two; the
# verification checks the edit and then passes or fails as FAULT_VERIFY
# says, so one fixture serves a failing and a succeeding upgrade.

fixture_git() {
	git -c protocol.file.allow=always "$@"
}

fixture_kb() {
	fixture_git init -q kb &&
	(
		cd kb &&
		echo one >README &&
		printf 'lib v1\nshared\n' >lib.txt &&
		mkdir -p include &&
		echo 'api v1' >include/api.h &&
		fixture_git add -A &&
		fixture_git commit -q -m 'kb one' &&
		fixture_git tag v1.0.0 &&
		cat >graft.ini <<-'EOF' &&
		[metadata]
		name = kb

		[change "v2.0.0"]
		type = breaking
		description = old becomes new
		migration = migrate
		verify = check

		[command "migrate"]
		run = sh "$GRAFT_DEP_PATH/migrate.sh"

		[command "check"]
		run = sh "$GRAFT_DEP_PATH/verify.sh"
		EOF
		cat >migrate.sh <<-'EOF' &&
		sed -i s/old/new/ src/a.txt
		echo made >src/made.txt
		mkdir -p gen
		echo generated >gen/out.txt
		EOF
		cat >verify.sh <<-'EOF' &&
		grep -q new src/a.txt || exit 1
		test "${FAULT_VERIFY:-pass}" = pass || {
			echo 'verification failed as FAULT_VERIFY asks' >&2
			exit 3
		}
		EOF
		echo two >README &&
		printf 'lib v2\nshared\n' >lib.txt &&
		echo 'api v2' >include/api.h &&
		mkdir -p include/v2 &&
		echo 'extra' >include/v2/extra.h &&
		fixture_git add -A &&
		fixture_git commit -q -m 'kb two' &&
		fixture_git tag v2.0.0
	)
}

fixture_app() {
	fixture_git init -q app &&
	(
		cd app &&
		printf 'build/\n*.log\n' >.gitignore &&
		echo hello >README &&
		mkdir -p src bin build &&
		echo old >src/a.txt &&
		echo 'b one' >src/b.txt &&
		printf '#!/bin/sh\necho run\n' >bin/run.sh &&
		chmod 755 bin/run.sh &&
		fixture_git add -A &&
		fixture_git commit -q -m app &&
		graft_plain add kb '../kb#v1.0.0' >/dev/null &&
		fixture_git commit -q -m 'add kb' &&
		echo mine >notes.txt &&
		mkdir -p scratch &&
		echo todo >scratch/todo.txt &&
		echo obj >build/x.o &&
		echo trace >debug.log
	)
}

fixture_build() {
	local top="$1"

	mkdir -p "$top/clean" &&
	(cd "$top/clean" && fixture_kb && fixture_app) || return 1

	cp -a "$top/clean" "$top/dirty" &&
	(
		cd "$top/dirty/app" &&
		echo staged >>README &&
		fixture_git add README &&
		echo unstaged >>README &&
		echo 'b dirty' >>src/b.txt
	) || return 1

	cp -a "$top/clean" "$top/pending" &&
	(
		cd "$top/pending/app" &&
		GRAFT_TEST_CRASH_AT=after-checkout graft_plain upgrade kb \
			--to v2.0.0 >/dev/null 2>&1
		test $? = 137 &&
		fixture_git show-ref -q --verify refs/graft/snapshots/kb
	) || { echo "fixture: no pending snapshot" >&2; return 1; }

	cp -a "$top/clean" "$top/committed" &&
	(
		cd "$top/committed/app" &&
		graft_plain upgrade kb --to v2.0.0 >/dev/null
	) || { echo "fixture: the upgrade to commit failed" >&2; return 1; }

	# A snapshot's records hold inode numbers, so the names of the
	# objects it writes differ from copy to copy, and with them whether
	# libgit2 must make the fan-out directory an object goes in: every
	# object database gets all 256 of them beforehand, so that each run
	# makes the same calls. (A fault in making one is not swept.)
	find "$top" -type d -name objects -path '*.git*' | while read -r objects; do
		for hi in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
			for lo in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
				mkdir -p "$objects/$hi$lo" || exit 1
			done
		done
	done || return 1

	# Every file gets the same time, the indexes too. Whether an index
	# entry is racily clean (as new as the index, so that git must read
	# the file to know) would otherwise depend on how fast the fixture was
	# built, and with it how many files git-graft opens.
	find "$top" -exec touch -h -d "@$GRAFT_FAULTS_TIME" {} + &&

	# what fixture_copy unpacks
	for fixture in clean dirty pending committed; do
		tar -C "$top/$fixture" -cf "$top/$fixture.tar" . || return 1
	done
}

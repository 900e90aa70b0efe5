# git-graft — build, test and install.
#
#   make                 build ./git-graft
#   make test            unit and integration tests (installs what it needs)
#   make check-asan      the whole test suite with ASan and UBSan
#   make check-valgrind  unit and integration tests under valgrind's memcheck
#   make check-faults    kill, EIO or ENOSPC at every write git-graft makes
#                        (STRIDE=k: every k-th point; tests/faults/run)
#   make fuzz            each libFuzzer target for FUZZ_SECONDS (60) seconds
#   make demo            the whole story on the example dependency
#   make bench           the benchmark (bench/run; BENCH_ARGS for its options)
#   make check-docs      lint the man page
#   make install         PREFIX=/usr/local, DESTDIR for staged installs
#   make uninstall       remove what install installed
#   make V=1             show the commands

VERSION = 0.1.0

PREFIX ?= /usr/local
prefix ?= $(PREFIX)
bindir ?= $(prefix)/bin
datarootdir ?= $(prefix)/share
mandir ?= $(datarootdir)/man
man1dir ?= $(mandir)/man1
bashcompdir ?= $(datarootdir)/bash-completion/completions
zshcompdir ?= $(datarootdir)/zsh/site-functions
fishcompdir ?= $(datarootdir)/fish/vendor_completions.d

INSTALL ?= install
GROFF ?= groff

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
PKGS = libgit2 inih jansson zlib libcrypto

WARNINGS = -Wall -Wextra -Wshadow -Wformat=2 -Wpointer-arith \
	-Wdeclaration-after-statement -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers
# where git keeps its own programs, credential helpers among them
GIT_EXEC_PATH_DEFAULT := $(shell git --exec-path 2>/dev/null || echo /usr/lib/git-core)
BASE_CFLAGS = -std=c99 -D_GNU_SOURCE -DGRAFT_VERSION='"$(VERSION)"' \
	-DGIT_EXEC_PATH_DEFAULT='"$(GIT_EXEC_PATH_DEFAULT)"' \
	$(WARNINGS) -Isrc $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_LIBS = $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null)

# SANITIZE=1 builds everything, binary included, under build-asan/
ifdef SANITIZE
BUILD = build-asan
BIN = $(BUILD)/git-graft
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
else
BUILD = build
BIN = git-graft
SAN_FLAGS =
endif

ALL_CFLAGS = $(BASE_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

ifndef V
QUIET_CC = @echo '   CC $@';
QUIET_LINK = @echo ' LINK $@';
endif

MAIN_SRC = src/main.c
CORE_SRCS = $(filter-out $(MAIN_SRC),$(sort $(wildcard src/*.c src/*/*.c)))
UNIT_SRCS = $(sort $(wildcard tests/unit/*.c))
INTEG_SRCS = $(sort $(wildcard tests/integration/*.c))
TESTLIB_SRCS = $(sort $(wildcard tests/lib/*.c))

CORE_OBJS = $(CORE_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(MAIN_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJS = $(UNIT_SRCS:%.c=$(BUILD)/%.o)
INTEG_OBJS = $(INTEG_SRCS:%.c=$(BUILD)/%.o)
TESTLIB_OBJS = $(TESTLIB_SRCS:%.c=$(BUILD)/%.o)
CORE_LIB = $(BUILD)/libgraft.a

UNIT_BIN = $(BUILD)/unit-tests
INTEG_BIN = $(BUILD)/integration-tests

# Criterion runs tests in parallel; integration tests mostly wait on
# processes they start, so more jobs than cores pays off.
TEST_JOBS ?= 4
CRITERION_FLAGS ?= --jobs=$(TEST_JOBS)

SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98 \
	LSAN_OPTIONS=exitcode=97:suppressions=$(CURDIR)/tests/lsan.supp

.PHONY: all deps deps-test test check-unit check-integration check-asan \
	check-valgrind check-faults fuzz fuzz-build check-docs demo bench install \
	uninstall clean

all: deps
	@$(MAKE) --no-print-directory $(BIN)

deps:
	@tools/ensure-deps build

deps-test:
	@tools/ensure-deps build test docs $(if $(SANITIZE),asan)

$(BIN): $(MAIN_OBJ) $(CORE_LIB)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	$(QUIET_LINK)$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: ALL_CFLAGS += -Wno-declaration-after-statement -Itests $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null) \
	-DGRAFT_TEST_BIN='"$(abspath $(BIN))"' -DGRAFT_SOURCE_DIR='"$(CURDIR)"'

$(UNIT_BIN): $(UNIT_OBJS) $(TESTLIB_OBJS) $(CORE_LIB)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

$(INTEG_BIN): $(INTEG_OBJS) $(TESTLIB_OBJS) $(CORE_LIB)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

test: deps-test
	@$(MAKE) --no-print-directory check-unit check-integration check-docs

check-unit: $(UNIT_BIN)
	$(if $(SANITIZE),$(SAN_ENV)) $(UNIT_BIN) $(CRITERION_FLAGS)

check-integration: $(BIN) $(INTEG_BIN)
	$(if $(SANITIZE),$(SAN_ENV)) GRAFT_BIN='$(abspath $(BIN))' \
		$(INTEG_BIN) $(CRITERION_FLAGS)

check-asan:
	@$(MAKE) --no-print-directory SANITIZE=1 test

# Memcheck on the plain build: the unit tests (their worker processes
# too, but not git or the shell they start) and every integration test,
# with git-graft run by tools/valgrind-graft through a link named
# git-graft, as tests that put it on PATH expect. Any error or definitely
# lost block fails the test it happens in (exit status 96).
# Valgrind's reports of git-graft go to $(VALGRIND_LOGS), one a process,
# not into what the tests compare; those with an error are shown when
# the run fails. VALGRIND_FILTER=<criterion pattern> runs a subset, e.g.
# 'add/*'.
VALGRIND_JOBS ?= $(TEST_JOBS)
VALGRIND_FILTER ?=
VALGRIND_BIN = $(BUILD)/valgrind/git-graft
VALGRIND_LOGS = $(BUILD)/valgrind/logs
VALGRIND_CRITERION = --jobs=$(VALGRIND_JOBS) \
	$(if $(VALGRIND_FILTER),--filter='$(VALGRIND_FILTER)')
VALGRIND_ENV = GRAFT_VALGRIND_SUPP='$(CURDIR)/tests/valgrind.supp'

check-valgrind:
	@test -z '$(SANITIZE)' || { echo 'check-valgrind: not with SANITIZE' \
		'(ASan and valgrind do not mix)' >&2; exit 2; }
	@tools/ensure-deps build test docs valgrind
	@$(MAKE) --no-print-directory $(BIN) $(UNIT_BIN) $(INTEG_BIN)
	@mkdir -p $(dir $(VALGRIND_BIN))
	@ln -sf '$(CURDIR)/tools/valgrind-graft' $(VALGRIND_BIN)
	$(VALGRIND_ENV) GRAFT_VALGRIND_BIN='$(abspath $(UNIT_BIN))' \
		VALGRIND_OPTS='--trace-children=yes --trace-children-skip=/bin/*,/usr/*' \
		tools/valgrind-graft $(VALGRIND_CRITERION)
	@rm -rf $(VALGRIND_LOGS)
	$(VALGRIND_ENV) GRAFT_VALGRIND_BIN='$(abspath $(BIN))' \
		GRAFT_BIN='$(abspath $(VALGRIND_BIN))' \
		GRAFT_VALGRIND_LOGS='$(abspath $(VALGRIND_LOGS))' \
		$(INTEG_BIN) $(VALGRIND_CRITERION) || { \
		grep -l -e '== [A-Z]' -e 'definitely lost' $(VALGRIND_LOGS)/*.log \
			2>/dev/null | xargs -r cat; exit 1; }

# The fault-injection sweep: each operation of tests/faults/run recorded
# under strace, then run again with SIGKILL, EIO, ENOSPC or a full disk at
# each system call that changes a file, and checked after at most one
# `git graft rollback`; then the order of fsyncs and renames in the
# traces. STRIDE=k runs every k-th point; FAULT_JOBS=n runs n at once
# (default: twice the cores); FAULT_ONLY=<operation>:<syscall>:<N>:<fault>
# reruns one point verbosely, FAULT_ONLY=power the power-loss check alone.
# The report goes to $(BUILD)/faults/report.txt.
STRIDE ?= 1
FAULT_JOBS ?=
FAULT_SHIM = $(BUILD)/faults/fixed-time.so

$(FAULT_SHIM): tests/faults/fixed-time.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) -std=c99 -Wall -Wextra -O2 -shared -fPIC -o $@ $< -ldl

check-faults: deps
	@tools/ensure-deps faults
	@$(MAKE) --no-print-directory $(BIN) $(FAULT_SHIM)
	@GRAFT_BIN='$(abspath $(BIN))' FAULT_SHIM='$(abspath $(FAULT_SHIM))' \
		FAULT_OUT='$(abspath $(BUILD))/faults' STRIDE='$(STRIDE)' \
		FAULT_JOBS='$(FAULT_JOBS)' tests/faults/run

# libFuzzer targets (tests/fuzz/fuzz_*.c), the core built with clang and
# ASan, UBSan and coverage for the fuzzer into build-fuzz/. Each runs for
# FUZZ_SECONDS on build-fuzz/corpus/<target>: the seeds of
# tests/fuzz/corpus/<target> and what earlier runs found, so the seeds in
# the repository stay as they are. A crash leaves the input that caused
# it in build-fuzz/crash/ and fails the target.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD = build-fuzz
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -g -O1
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
FUZZ_CORE_OBJS = $(CORE_SRCS:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_CORE_LIB = $(FUZZ_BUILD)/libgraft.a
FUZZ_ENV = ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_CORE_LIB): $(FUZZ_CORE_OBJS)
	@rm -f $@
	$(QUIET_LINK)$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_CORE_LIB)
	$(QUIET_LINK)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(LIBS)

# the targets' objects are kept, or every make fuzz would rebuild them
.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/tests/fuzz/%.o)

fuzz-build:
	@tools/ensure-deps build fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/crash
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t && \
		cp tests/fuzz/corpus/$$t/* $(FUZZ_BUILD)/corpus/$$t/ && \
		echo "  FUZZ $$t for $(FUZZ_SECONDS) s" && \
		if ! $(FUZZ_ENV) $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/crash/$$t- \
			$(FUZZ_BUILD)/corpus/$$t >$(FUZZ_BUILD)/$$t.log 2>&1; then \
			tail -n 60 $(FUZZ_BUILD)/$$t.log >&2; \
			echo "fuzz: $$t failed; its log is $(FUZZ_BUILD)/$$t.log" >&2; \
			exit 1; \
		fi; \
		sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/       \1 executions/p' \
			$(FUZZ_BUILD)/$$t.log; \
		echo "       $$(ls $(FUZZ_BUILD)/corpus/$$t | wc -l) inputs in the corpus"; \
	done

# groff prints nothing for a clean page; the header names this version,
# and every command of src/cmd/commands.c has its own subsection
check-docs:
	@out=$$($(GROFF) -man -ww -z man/git-graft.1 2>&1); \
	if [ -n "$$out" ]; then echo "$$out" >&2; exit 1; fi
	@grep -q '^\.TH GIT-GRAFT 1 [0-9-]* "git-graft $(VERSION)" "Git Manual"$$' \
		man/git-graft.1 || \
		{ echo 'man/git-graft.1: .TH does not name git-graft $(VERSION)' >&2; exit 1; }
	@for cmd in $$(sed -n 's/^[[:space:]]*{ "\([a-z]*\)", cmd_.*/\1/p' src/cmd/commands.c); do \
		grep -q "^\.SS \"$$cmd[ \"]" man/git-graft.1 || \
		{ echo "man/git-graft.1: no section for '$$cmd'" >&2; exit 1; }; \
	done
	@echo 'man/git-graft.1: ok'

demo: deps
	@tools/ensure-deps demo
	@$(MAKE) --no-print-directory $(BIN)
	@examples/demo.sh '$(abspath $(BIN))'

# Not part of test: speed and memory are measured, never asserted in a
# test. BENCH_ARGS="--sizes 1000,10000 --reps 5" and so on: bench/run --help
BENCH_ARGS ?=
bench: deps
	@tools/ensure-deps bench
	@$(MAKE) --no-print-directory $(BIN)
	@bench/run --graft '$(abspath $(BIN))' $(BENCH_ARGS)

install: all
	$(INSTALL) -d '$(DESTDIR)$(bindir)' '$(DESTDIR)$(man1dir)' \
		'$(DESTDIR)$(bashcompdir)' '$(DESTDIR)$(zshcompdir)' \
		'$(DESTDIR)$(fishcompdir)'
	$(INSTALL) -m 755 '$(BIN)' '$(DESTDIR)$(bindir)/git-graft'
	$(INSTALL) -m 644 man/git-graft.1 '$(DESTDIR)$(man1dir)/git-graft.1'
	$(INSTALL) -m 644 completions/git-graft.bash \
		'$(DESTDIR)$(bashcompdir)/git-graft'
	$(INSTALL) -m 644 completions/_git-graft '$(DESTDIR)$(zshcompdir)/_git-graft'
	$(INSTALL) -m 644 completions/git-graft.fish \
		'$(DESTDIR)$(fishcompdir)/git-graft.fish'
	@tools/warn-other-git-graft '$(bindir)/git-graft'

uninstall:
	rm -f '$(DESTDIR)$(bindir)/git-graft' '$(DESTDIR)$(man1dir)/git-graft.1' \
		'$(DESTDIR)$(bashcompdir)/git-graft' \
		'$(DESTDIR)$(zshcompdir)/_git-graft' \
		'$(DESTDIR)$(fishcompdir)/git-graft.fish'

clean:
	rm -rf build build-asan build-fuzz git-graft

-include $(wildcard build/src/*.d build/src/cmd/*.d build/tests/*/*.d \
	build-asan/src/*.d build-asan/src/cmd/*.d build-asan/tests/*/*.d \
	build-fuzz/src/*.d build-fuzz/src/cmd/*.d build-fuzz/tests/*/*.d)

/*
 * exec_prog: programs run directly, as hooks and signing programs are,
 * with their input given and their output kept.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "error.h"
#include "exec.h"
#include "lib/harness.h"

TestSuite(exec_prog, .init = harness_setup, .fini = harness_teardown);

static struct exec_result run(struct exec_prog *p)
{
	struct exec_result res;

	cr_assert_eq(exec_prog(p, &res), 0, "%s", graft_error_message());
	return res;
}

Test(exec_prog, keeps_stdout_and_stderr_apart_and_feeds_stdin)
{
	const char *argv[] = { "sh", "-c",
			       "cat; echo to-err >&2; echo \"$1\"; exit 4",
			       "sh", "a b", NULL };
	struct exec_prog p = EXEC_PROG_INIT;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct exec_result res;

	p.argv = argv;
	p.input = "in\n";
	p.input_len = 3;
	p.out = &out;
	p.err = &err;
	res = run(&p);
	cr_assert_eq(res.exit_code, 4);
	cr_assert_eq(res.signal, 0);
	cr_assert_str_eq(out.buf, "in\na b\n");
	cr_assert_str_eq(err.buf, "to-err\n");
	strbuf_release(&out);
	strbuf_release(&err);
}

/* More than any pipe holds, both ways at once, must not deadlock. */
Test(exec_prog, a_large_input_and_output_flow_together)
{
	const char *argv[] = { "cat", NULL };
	struct exec_prog p = EXEC_PROG_INIT;
	struct strbuf out = STRBUF_INIT;
	size_t len = 4 * 1024 * 1024, i;
	char *input = malloc(len);
	struct exec_result res;

	for (i = 0; i < len; i++)
		input[i] = (char)('a' + i % 26);
	p.argv = argv;
	p.input = input;
	p.input_len = len;
	p.out = &out;
	res = run(&p);
	cr_assert_eq(res.exit_code, 0);
	cr_assert_eq(out.len, len);
	cr_assert(!memcmp(out.buf, input, len));
	free(input);
	strbuf_release(&out);
}

Test(exec_prog, finds_the_program_on_path_and_runs_it_in_cwd)
{
	const char *argv[] = { "my-tool", "x", NULL };
	const char *env[] = { "GREETING=hello", NULL };
	struct exec_prog p = EXEC_PROG_INIT;
	struct strbuf out = STRBUF_INIT;
	char *bin = tmp_path("bin"), *path;
	struct exec_result res;

	sh_do(NULL, "mkdir -p bin sub && printf '#!/bin/sh\\necho \"$GREETING $1 $(pwd)\"\\n' > bin/my-tool && chmod +x bin/my-tool");
	cr_assert(asprintf(&path, "%s:%s", bin, getenv("PATH")) > 0);
	setenv("PATH", path, 1);
	p.argv = argv;
	p.env = env;
	p.cwd = "sub";
	p.out = &out;
	res = run(&p);
	cr_assert_eq(res.exit_code, 0);
	assert_contains(out.buf, "hello x ");
	assert_contains(out.buf, "/sub\n");
	free(path);
	free(bin);
	strbuf_release(&out);
}

Test(exec_prog, a_missing_program_is_an_error_naming_it)
{
	const char *argv[] = { "no-such-program-anywhere", NULL };
	struct exec_prog p = EXEC_PROG_INIT;
	struct exec_result res;

	p.argv = argv;
	cr_assert_lt(exec_prog(&p, &res), 0);
	cr_assert_str_eq(graft_error_message(),
			 "cannot run no-such-program-anywhere: No such file or directory");
	graft_error_clear();
}

Test(exec_prog, a_killing_signal_is_reported)
{
	const char *argv[] = { "sh", "-c", "kill -TERM $$", NULL };
	struct exec_prog p = EXEC_PROG_INIT;
	struct exec_result res;

	p.argv = argv;
	res = run(&p);
	cr_assert_eq(res.exit_code, -1);
	cr_assert_eq(res.signal, SIGTERM);
}

/* A program that exits without reading its input must not kill us. */
Test(exec_prog, a_program_that_reads_nothing_is_no_harm)
{
	const char *argv[] = { "true", NULL };
	struct exec_prog p = EXEC_PROG_INIT;
	size_t len = 1024 * 1024;
	char *input = calloc(1, len);
	struct exec_result res;

	p.argv = argv;
	p.input = input;
	p.input_len = len;
	res = run(&p);
	cr_assert_eq(res.exit_code, 0);
	free(input);
}

/*
 * While signals are trapped (an upgrade), a SIGTERM sent to git-graft
 * reaches the program and is recorded.
 */
Test(exec_prog, a_trapped_signal_is_passed_on)
{
	const char *argv[] = { "sh", "-c", "kill -TERM $PPID; sleep 30", NULL };
	struct exec_prog p = EXEC_PROG_INIT;
	struct exec_result res;

	cr_assert_eq(exec_trap_signals(), 0);
	p.argv = argv;
	res = run(&p);
	cr_assert_eq(res.signal, SIGTERM, "exit %d signal %d", res.exit_code,
		     res.signal);
	cr_assert_eq(res.interrupted, SIGTERM);
	cr_assert_eq(exec_caught_signal(), SIGTERM);
	exec_untrap_signals();
}

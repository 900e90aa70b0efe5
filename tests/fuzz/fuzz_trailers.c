/*
 * Commit messages from any bytes. History (log, rollback, crash recovery)
 * is read back from the trailers of commits git-graft made, so what
 * trailers_parse accepts must be complete and valid, and writing it out
 * again with trailers_format_message must read back the same.
 */
#include <git2.h>

#include "error.h"
#include "formats/names.h"
#include "formats/trailers.h"
#include "fuzz.h"
#include "strbuf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* trailers_parse reads trailers with libgit2 */
	git_libgit2_init();
	return 0;
}

static void check_valid(const struct graft_trailers *t)
{
	size_t i;

	fuzz_assert(t->action == GRAFT_ACTION_UPGRADE ||
		    t->action == GRAFT_ACTION_ROLLBACK, "unknown action");
	fuzz_assert(t->dependency && name_check(t->dependency, "name") == 0,
		    "a bad dependency name");
	fuzz_assert(t->from_ref && ref_check(t->from_ref, "ref") == 0 &&
		    t->to_ref && ref_check(t->to_ref, "ref") == 0, "a bad ref");
	fuzz_assert(t->from_commit && is_full_hex_oid(t->from_commit) &&
		    t->to_commit && is_full_hex_oid(t->to_commit),
		    "a bad commit");
	fuzz_assert((t->action == GRAFT_ACTION_ROLLBACK) == (t->reverts != NULL),
		    "Graft-Reverts without a rollback, or the other way round");
	fuzz_assert(!t->reverts || is_full_hex_oid(t->reverts),
		    "a bad Graft-Reverts");
	fuzz_assert(t->action == GRAFT_ACTION_UPGRADE || !t->skipped_nr,
		    "Graft-Skipped on a rollback");
	fuzz_assert(!t->change == !t->series_len &&
		    (!t->change || (t->action == GRAFT_ACTION_UPGRADE &&
				    ref_check(t->change, "ref") == 0 &&
				    t->series_pos >= 1 &&
				    t->series_pos <= t->series_len)),
		    "a bad Graft-Change or Graft-Series");
	for (i = 0; i < t->skipped_nr; i++)
		fuzz_assert((t->skipped[i].command == GRAFT_SKIPPED_MIGRATION ||
			     t->skipped[i].command == GRAFT_SKIPPED_VERIFY) &&
			    t->skipped[i].change &&
			    ref_check(t->skipped[i].change, "ref") == 0,
			    "a bad Graft-Skipped");
}

static void check_same(const struct graft_trailers *a,
		       const struct graft_trailers *b)
{
	size_t i;

	fuzz_assert(a->action == b->action &&
		    fuzz_streq(a->dependency, b->dependency) &&
		    fuzz_streq(a->from_ref, b->from_ref) &&
		    fuzz_streq(a->from_commit, b->from_commit) &&
		    fuzz_streq(a->to_ref, b->to_ref) &&
		    fuzz_streq(a->to_commit, b->to_commit) &&
		    fuzz_streq(a->reverts, b->reverts) &&
		    fuzz_streq(a->change, b->change) &&
		    a->series_pos == b->series_pos &&
		    a->series_len == b->series_len &&
		    a->skipped_nr == b->skipped_nr,
		    "format then parse changed the trailers");
	for (i = 0; i < a->skipped_nr; i++)
		fuzz_assert(a->skipped[i].command == b->skipped[i].command &&
			    fuzz_streq(a->skipped[i].change, b->skipped[i].change),
			    "format then parse changed a Graft-Skipped");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct graft_trailers t = GRAFT_TRAILERS_INIT;
	struct graft_trailers back = GRAFT_TRAILERS_INIT;
	struct strbuf msg = STRBUF_INIT;
	char *message = fuzz_cstring(data, size);
	int rc = trailers_parse(&t, message);

	fuzz_assert(rc == 0 || rc == 1, "unexpected return code");
	if (rc == 0) {
		fuzz_assert(trailers_may_have(message),
			    "trailers_may_have skips a git-graft commit");
		check_valid(&t);
		trailers_format_message(&msg, &t);
		fuzz_assert(trailers_parse(&back, msg.buf) == 0,
			    "a formatted message does not parse");
		check_same(&t, &back);
		trailers_release(&back);
		trailers_release(&t);
	}
	graft_error_clear();
	strbuf_release(&msg);
	free(message);
	return 0;
}

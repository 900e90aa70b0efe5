/*
 * graft.lock from any bytes. Every entry lock_parse keeps must be one
 * lock_format can write and lock_parse read back unchanged: the file is
 * rewritten on every add, apply and upgrade, and must not drift or break.
 */
#include <git2.h>

#include "error.h"
#include "formats/diag.h"
#include "formats/lock.h"
#include "formats/names.h"
#include "fuzz.h"
#include "iso8601.h"
#include "strbuf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* ref_check asks libgit2 about ref names */
	git_libgit2_init();
	return 0;
}

static void check_entry(const struct lock_entry *e)
{
	fuzz_assert(name_check(e->name, "name") == 0, "kept a bad name");
	fuzz_assert(source_check(e->source, "source") == 0, "kept a bad source");
	fuzz_assert(ref_check(e->ref, "ref") == 0, "kept a bad ref");
	fuzz_assert(is_full_hex_oid(e->commit), "kept a bad commit");
	fuzz_assert(is_iso8601(e->consumed_at), "kept a bad date");
}

static void check_same(const struct graft_lock *a, const struct graft_lock *b)
{
	size_t i;

	fuzz_assert(a->nr == b->nr, "entries lost or gained on a round trip");
	for (i = 0; i < a->nr; i++) {
		const struct lock_entry *x = &a->entries[i];
		const struct lock_entry *y = lock_find(b, x->name);

		fuzz_assert(y, "an entry lost on a round trip");
		fuzz_assert(fuzz_streq(x->source, y->source) &&
			    fuzz_streq(x->ref, y->ref) &&
			    fuzz_streq(x->commit, y->commit) &&
			    fuzz_streq(x->consumed_at, y->consumed_at),
			    "an entry changed on a round trip");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct graft_lock lock = GRAFT_LOCK_INIT, again = GRAFT_LOCK_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	struct strbuf out = STRBUF_INIT, out2 = STRBUF_INIT;
	size_t i;
	int rc;

	rc = lock_parse(&lock, "graft.lock", (const char *)data, size, &diags);
	fuzz_assert(rc == 0 || rc == GRAFT_EFAIL, "unexpected return code");
	fuzz_assert((rc == 0) == (diags.nr == 0),
		    "a problem without a diagnostic, or the other way round");
	for (i = 0; i < lock.nr; i++)
		check_entry(&lock.entries[i]);

	/* what was kept, even from a file with errors, writes back cleanly */
	lock_format(&lock, &out);
	diag_list_release(&diags);
	rc = lock_parse(&again, "graft.lock", out.buf, out.len, &diags);
	fuzz_assert(rc == 0 && diags.nr == 0, "lock_format wrote a bad file");
	check_same(&lock, &again);
	lock_format(&again, &out2);
	fuzz_assert(out.len == out2.len && !memcmp(out.buf, out2.buf, out.len),
		    "lock_format is not stable");

	graft_error_clear();
	strbuf_release(&out);
	strbuf_release(&out2);
	lock_release(&lock);
	lock_release(&again);
	diag_list_release(&diags);
	return 0;
}

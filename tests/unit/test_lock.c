#include <string.h>

#include <criterion/criterion.h>

#include "error.h"
#include "formats/diag.h"
#include "formats/lock.h"
#include "iso8601.h"
#include "strbuf.h"

#define C1 "0123456789abcdef0123456789abcdef01234567"
#define C2 "89abcdef0123456789abcdef0123456789abcdef"

static const char canonical[] =
	"# graft.lock: written by git-graft, do not edit by hand\n"
	"\n"
	"[dependency \"alpha\"]\n"
	"source = ../alpha\n"
	"ref = v1.0.0\n"
	"commit = " C1 "\n"
	"consumed_at = 2026-01-31T10:30:00Z\n"
	"\n"
	"[dependency \"meta-kb\"]\n"
	"source = https://example.com/meta-kb.git\n"
	"ref = main\n"
	"commit = " C2 "\n"
	"consumed_at = 2026-02-01T08:00:00+01:00\n";

static int parse(struct graft_lock *lock, struct diag_list *diags,
		 const char *text)
{
	return lock_parse(lock, "graft.lock", text, strlen(text), diags);
}

Test(lock, round_trip_is_byte_for_byte)
{
	struct graft_lock lock = GRAFT_LOCK_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(parse(&lock, &diags, canonical), 0);
	cr_assert_eq(lock.nr, 2);
	lock_format(&lock, &out);
	cr_assert_str_eq(out.buf, canonical);
	strbuf_release(&out);
	lock_release(&lock);
	diag_list_release(&diags);
}

Test(lock, reads_any_order_and_writes_sorted)
{
	const char *shuffled =
		"[dependency \"meta-kb\"]\n"
		"consumed_at = 2026-02-01T08:00:00+01:00\n"
		"commit = " C2 "\n"
		"ref = main\n"
		"source = https://example.com/meta-kb.git\n"
		"; a comment a person added\n"
		"[dependency \"alpha\"]\n"
		"ref = v1.0.0\n"
		"source = ../alpha\n"
		"consumed_at = 2026-01-31T10:30:00Z\n"
		"commit = " C1 "\n";
	struct graft_lock lock = GRAFT_LOCK_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(parse(&lock, &diags, shuffled), 0);
	cr_assert_str_eq(lock_find(&lock, "alpha")->commit, C1);
	cr_assert_eq(lock_find(&lock, "alpha")->line, 7);
	lock_format(&lock, &out);
	cr_assert_str_eq(out.buf, canonical);
	strbuf_release(&out);
	lock_release(&lock);
	diag_list_release(&diags);
}

Test(lock, set_replace_and_remove)
{
	struct graft_lock lock = GRAFT_LOCK_INIT;

	cr_assert_eq(lock_set(&lock, "b", "../b", "main", C1, "2026-01-01T00:00:00Z"), 0);
	cr_assert_eq(lock_set(&lock, "a", "../a", "v1", C2, "2026-01-01T00:00:00Z"), 0);
	cr_assert_eq(lock_set(&lock, "b", "../b", "v2", C2, "2026-01-02T00:00:00Z"), 0);
	cr_assert_eq(lock.nr, 2);
	cr_assert_str_eq(lock_find(&lock, "b")->ref, "v2");
	cr_assert_eq(lock_remove(&lock, "a"), 1);
	cr_assert_eq(lock_remove(&lock, "a"), 0);
	cr_assert_null(lock_find(&lock, "a"));
	cr_assert_eq(lock.nr, 1);
	lock_release(&lock);
}

Test(lock, set_refuses_what_cannot_be_written_back)
{
	static const char *const bad[][5] = {
		{ "../x", "../a", "main", C1, "2026-01-01T00:00:00Z" },
		{ "a", "../a ; x", "main", C1, "2026-01-01T00:00:00Z" },
		{ "a", "../a\nb", "main", C1, "2026-01-01T00:00:00Z" },
		{ "a", " ../a", "main", C1, "2026-01-01T00:00:00Z" },
		{ "a", "", "main", C1, "2026-01-01T00:00:00Z" },
		{ "a", "-oProxy", "main", C1, "2026-01-01T00:00:00Z" },
		{ "a", "../a", "ma..in", C1, "2026-01-01T00:00:00Z" },
		{ "a", "../a", "main", "0123", "2026-01-01T00:00:00Z" },
		{ "a", "../a", "main", "0123456789ABCDEF0123456789abcdef01234567", "2026-01-01T00:00:00Z" },
		{ "a", "../a", "main", C1, "yesterday" },
		{ "a", "../a", "main", C1, "2026-13-01T00:00:00Z" },
	};
	struct graft_lock lock = GRAFT_LOCK_INIT;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		cr_assert_eq(lock_set(&lock, bad[i][0], bad[i][1], bad[i][2],
				      bad[i][3], bad[i][4]), GRAFT_EFAIL,
			     "case %zu accepted", i);
		cr_assert_neq(graft_error_message()[0], '\0');
		graft_error_clear();
	}
	cr_assert_eq(lock.nr, 0);
	lock_release(&lock);
}

struct bad_lock {
	const char *text;
	int line;
	const char *message;
};

#define ENTRY_REST "ref = main\ncommit = " C1 "\nconsumed_at = 2026-01-01T00:00:00Z\n"

static const struct bad_lock bad_locks[] = {
	{ "[dependency \"a\"]\nsource = ../a\nref = main\ncommit = abc\nconsumed_at = 2026-01-01T00:00:00Z\n", 1, "40 lowercase hex" },
	{ "[dependency \"a\"]\nsource = ../a\nref = main\ncommit = " C1 "\nconsumed_at = 2026-01-01\n", 1, "ISO 8601" },
	{ "[dependency \"a\"]\nsource = ../a\n" ENTRY_REST "pinned = yes\n", 6, "unknown key" },
	{ "[dependency \"a\"]\nsource = ../a\nsource = ../b\n" ENTRY_REST, 3, "duplicate key" },
	{ "[dependency \"a\"]\n" ENTRY_REST, 1, "no 'source'" },
	{ "[dependency \"a\"]\nsource = ../a\n" ENTRY_REST "[dependency \"a\"]\nsource = ../a\n" ENTRY_REST, 6, "duplicate dependency" },
	{ "[command \"a\"]\nrun = x\n", 1, "unexpected section" },
	{ "[dependency \"../a\"]\nsource = ../a\n" ENTRY_REST, 1, "invalid dependency name" },
	{ "commit = " C1 "\n", 1, "outside of a section" },
};

Test(lock, malformed_locks_name_the_line)
{
	size_t i;

	for (i = 0; i < sizeof(bad_locks) / sizeof(*bad_locks); i++) {
		struct graft_lock lock = GRAFT_LOCK_INIT;
		struct diag_list diags = DIAG_LIST_INIT;
		size_t j;
		int found = 0;

		cr_assert_eq(parse(&lock, &diags, bad_locks[i].text), GRAFT_EFAIL,
			     "case %zu accepted", i);
		for (j = 0; j < diags.nr; j++)
			if (diags.items[j].line == bad_locks[i].line &&
			    strstr(diags.items[j].message, bad_locks[i].message))
				found = 1;
		cr_assert(found, "case %zu: got %d: %s", i,
			  diags.nr ? diags.items[0].line : -1,
			  diags.nr ? diags.items[0].message : "nothing");
		lock_release(&lock);
		diag_list_release(&diags);
	}
}

Test(lock, iso8601)
{
	cr_assert(is_iso8601("2026-01-31T10:30:00Z"));
	cr_assert(is_iso8601("2026-01-31T10:30:00.123Z"));
	cr_assert(is_iso8601("2026-01-31T10:30:00-07:00"));
	cr_assert_not(is_iso8601("2026-01-31 10:30:00Z"));
	cr_assert_not(is_iso8601("2026-01-31T25:30:00Z"));
	cr_assert_not(is_iso8601("2026-01-31T10:30:00"));
	cr_assert_not(is_iso8601("2026-01-31T10:30:00Zjunk"));
	cr_assert_not(is_iso8601(""));
}

Test(lock, now_is_valid)
{
	char buf[32];

	iso8601_now(buf, sizeof(buf));
	cr_assert(is_iso8601(buf), "%s", buf);
}

/*
 * Found by fuzzing: "source=;x" read back as ";x", which lock_format
 * wrote as "source = ;x", which reads as an empty value and a comment.
 */
Test(lock, a_value_starting_with_a_semicolon_is_refused)
{
	const char *text =
		"[dependency \"a\"]\nsource=;x\nref=main\ncommit=" C1 "\n"
		"consumed_at=2026-01-31T10:30:00Z\n";
	struct graft_lock lock = GRAFT_LOCK_INIT;
	struct diag_list diags = DIAG_LIST_INIT;

	cr_assert_eq(parse(&lock, &diags, text), GRAFT_EFAIL);
	cr_assert_eq(lock.nr, 0);
	cr_assert_eq(diags.nr, 1);
	cr_assert_eq(diags.items[0].line, 1);
	cr_assert_str_eq(diags.items[0].message,
			 "'source' starts with ';', which reads as a comment");
	cr_assert_eq(lock_set(&lock, "a", ";x", "main", C1,
			      "2026-01-31T10:30:00Z"), GRAFT_EFAIL);
	graft_error_clear();
	lock_release(&lock);
	diag_list_release(&diags);
}

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "error.h"
#include "lib/harness.h"
#include "lib/randtree.h"
#include "snapshot/snapshot_meta.h"
#include "strbuf.h"

/*
 * A snapshot's records come back field for field from what meta_encode
 * wrote, whatever bytes a path holds; anything else is refused whole.
 */

static const char *const odd_paths[] = {
	"plain", "with space", " leading space", "trailing space ", "new\nline",
	"tab\there", "-", "P 644 0 - 1 2 3 - fake", "\xff\xfe not utf-8",
	"d\xc3\xa9j\xc3\xa0/vu", "a/b/c/d/e/f", "0", "dir/",
};
#define ODD_PATHS_NR (sizeof(odd_paths) / sizeof(*odd_paths))

static void random_records(struct meta_list *l, uint64_t seed, size_t nr)
{
	static const char kinds[] = "PEFSNI", states[] = ".DM-";
	struct rng rng;
	size_t i, j;

	rng_seed(&rng, seed);
	for (i = 0; i < nr; i++) {
		struct strbuf path = STRBUF_INIT;
		struct meta_record *m;
		unsigned char raw[GIT_OID_RAWSZ];

		strbuf_addf(&path, "%s%zu", odd_paths[rng_below(&rng, ODD_PATHS_NR)], i);
		m = meta_add(l, kinds[rng_below(&rng, 6)], path.buf);
		m->state = states[rng_below(&rng, 4)];
		m->mode = rng_below(&rng, 2) ? 0100644 : rng_below(&rng, 0200000);
		m->flags = rng_below(&rng, 4);
		m->ino = rng_below(&rng, 3) ? rng_below(&rng, 1u << 31) : ULONG_MAX;
		m->size = rng_below(&rng, 2) ? LLONG_MAX : -(long long)rng_below(&rng, 1000);
		m->mtime_ns = rng_below(&rng, 2) ? LLONG_MIN : (long long)rng_below(&rng, 1u << 30) * 1000;
		if (rng_below(&rng, 2)) {
			for (j = 0; j < sizeof(raw); j++)
				raw[j] = (unsigned char)rng_below(&rng, 256);
			git_oid_fromraw(&m->id, raw);
		}
		if (rng_below(&rng, 3) == 0)
			m->gitfile = strdup(rng_below(&rng, 2) ? "gitdir: ../.git/modules/x" :
					    "gitdir: with space\nand newline");
		strbuf_release(&path);
	}
}

static void assert_same_records(const struct meta_list *a, const struct meta_list *b)
{
	size_t i;

	cr_assert_eq(a->nr, b->nr);
	for (i = 0; i < a->nr; i++) {
		const struct meta_record *x = &a->items[i], *y = &b->items[i];

		cr_assert_str_eq(x->path, y->path);
		cr_assert_eq(x->kind, y->kind, "%s", x->path);
		cr_assert_eq(x->state, y->state, "%s", x->path);
		cr_assert_eq(x->mode, y->mode, "%s", x->path);
		cr_assert_eq(x->flags, y->flags, "%s", x->path);
		cr_assert_eq(x->ino, y->ino, "%s", x->path);
		cr_assert_eq(x->size, y->size, "%s", x->path);
		cr_assert_eq(x->mtime_ns, y->mtime_ns, "%s", x->path);
		cr_assert(git_oid_equal(&x->id, &y->id), "%s", x->path);
		cr_assert(!x->gitfile == !y->gitfile, "%s", x->path);
		if (x->gitfile)
			cr_assert_str_eq(x->gitfile, y->gitfile);
	}
}

Test(snapshot_meta, records_come_back_as_written)
{
	uint64_t seed;

	git_libgit2_init();
	for (seed = 1; seed <= 20; seed++) {
		struct meta_list l = META_LIST_INIT, back = META_LIST_INIT;
		struct strbuf enc = STRBUF_INIT, again = STRBUF_INIT;
		size_t i;

		/* written in any order, read back sorted for meta_find */
		random_records(&l, seed, 40);
		meta_encode(&l, &enc);
		cr_assert_eq(meta_decode(&back, enc.buf, enc.len), 0, "seed %llu: %s",
			     (unsigned long long)seed, graft_error_message());
		meta_sort(&l);
		assert_same_records(&l, &back);
		strbuf_reset(&enc);
		meta_encode(&l, &enc);
		meta_encode(&back, &again);
		cr_assert(again.len == enc.len && !memcmp(again.buf, enc.buf, enc.len));
		for (i = 0; i < l.nr; i++)
			cr_assert_eq(meta_find(&back, l.items[i].kind, l.items[i].path),
				     &back.items[i], "%s", l.items[i].path);
		cr_assert_null(meta_find(&back, 'P', "not there"));
		meta_release(&l);
		meta_release(&back);
		strbuf_release(&enc);
		strbuf_release(&again);
	}
	git_libgit2_shutdown();
}

static void assert_refused(const char *buf, size_t len, const char *what)
{
	struct meta_list l = META_LIST_INIT;

	cr_assert_eq(meta_decode(&l, buf, len), GRAFT_EFATAL, "%s was read", what);
	cr_assert(l.nr == 0 && !l.items, "%s: records kept", what);
	assert_contains(graft_error_message(), "records cannot be read");
}

Test(snapshot_meta, hostile_records_are_refused)
{
#define ID "0123456789abcdef0123456789abcdef01234567"
	static const struct {
		const char *what;
		const char *buf;
		size_t len;
	} bad[] = {
#define BAD(what, s) { what, s, sizeof(s) - 1 }
		BAD("no NUL", "P 644 0 - 1 2 3 - path"),
		BAD("no gitfile", "P 644 0 - 1 2 3 - path\0"),
		BAD("no gitfile end", "P 644 0 - 1 2 3 - path\0gitdir: x"),
		BAD("an unknown kind", "X 644 0 - 1 2 3 - path\0\0"),
		BAD("an empty path", "P 644 0 - 1 2 3 - \0\0"),
		BAD("no path", "P 644 0 - 1 2 3 -\0\0"),
		BAD("a short id", "P 644 0 - 1 2 3 0123 path\0\0"),
		BAD("a long id", "P 644 0 - 1 2 3 " ID "8 path\0\0"),
		BAD("an id not hex", "P 644 0 - 1 2 3 " "z123456789abcdef0123456789abcdef01234567" " path\0\0"),
		BAD("a missing field", "P 644 0 - 1 2 - path\0\0"),
		BAD("a number that is not", "P 644 0 - one 2 3 - path\0\0"),
		BAD("a mode not octal", "P 9 0 - 1 2 3 - path\0\0"),
		BAD("nothing but a kind", "P\0\0"),
		BAD("a good record, then junk", "P 644 0 - 1 2 3 - path\0\0junk"),
		BAD("a good record, then half of one", "P 644 0 - 1 2 3 - path\0\0N 0 0"),
		BAD("a NUL inside the fields", "P 644 0\0 - 1 2 3 - path\0\0"),
#undef BAD
	};
	size_t i;

	git_libgit2_init();
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_refused(bad[i].buf, bad[i].len, bad[i].what);
	git_libgit2_shutdown();
#undef ID
}

Test(snapshot_meta, every_cut_and_every_flipped_byte_is_refused_or_read)
{
	struct meta_list l = META_LIST_INIT;
	struct strbuf enc = STRBUF_INIT;
	size_t *ends, i, r = 0, nuls = 0;

	git_libgit2_init();
	random_records(&l, 99, 12);
	meta_sort(&l);
	meta_encode(&l, &enc);
	/* where each record ends: after its gitfile's NUL, the second */
	ends = calloc(l.nr, sizeof(*ends));
	cr_assert(ends);
	for (i = 0; i < enc.len; i++)
		if (enc.buf[i] == '\0' && ++nuls % 2 == 0)
			ends[r++] = i + 1;
	cr_assert_eq(r, l.nr);
	for (i = 0; i < enc.len; i++) {
		struct meta_list back = META_LIST_INIT;
		int rc = meta_decode(&back, enc.buf, i);
		int boundary = i == 0;

		for (r = 0; r < l.nr; r++)
			boundary |= ends[r] == i;
		cr_assert_eq(rc, boundary ? 0 : GRAFT_EFATAL, "cut at %zu", i);
		meta_release(&back);
	}
	/* a flipped byte: read as something else or refused, never past the end */
	for (i = 0; i < enc.len; i++) {
		struct meta_list back = META_LIST_INIT;
		char *copy = malloc(enc.len);

		cr_assert(copy);
		memcpy(copy, enc.buf, enc.len);
		copy[i] ^= (char)(1 + i % 255);
		if (meta_decode(&back, copy, enc.len) == 0)
			cr_assert_gt(back.nr, 0);
		else
			cr_assert(back.nr == 0 && !back.items);
		meta_release(&back);
		free(copy);
	}
	free(ends);
	meta_release(&l);
	strbuf_release(&enc);
	git_libgit2_shutdown();
}

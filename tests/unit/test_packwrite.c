#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "error.h"
#include "lib/harness.h"
#include "lib/randtree.h"
#include "snapshot/packwrite.h"

/*
 * A pack written by pack_write_objects is indexed by libgit2 and read
 * back object by object, type, size and bytes, from a repository opened
 * afresh; git reads it too (verify-pack, fsck).
 */

/* Sizes around where an entry header takes one byte more. */
static const size_t blob_sizes[] = {
	0, 1, 15, 16, 17, 127, 128, 2047, 2048, 2049, 262143, 262144,
	(1u << 20) + 3,
};
#define BLOB_SIZES_NR (sizeof(blob_sizes) / sizeof(*blob_sizes))

struct objects {
	git_oid ids[BLOB_SIZES_NR + 3];
	size_t nr;
};

static git_repository *bare_repo(const char *name)
{
	git_repository *repo = NULL;

	cr_assert(git_repository_init(&repo, name, 1) == 0);
	return repo;
}

/*
 * Blobs of every size above (random bytes, which do not compress), a
 * tree of them, a commit and an annotated tag: the four types, all the
 * commit needs.
 */
static void make_objects(struct objects *o, git_repository *repo)
{
	git_treebuilder *bld = NULL;
	git_signature *sig = NULL;
	git_object *commit = NULL;
	struct rng rng;
	char name[32];
	git_tree *tree = NULL;
	size_t i, j;

	rng_seed(&rng, 11);
	o->nr = 0;
	cr_assert(git_treebuilder_new(&bld, repo, NULL) == 0);
	for (i = 0; i < BLOB_SIZES_NR; i++) {
		unsigned char *data = malloc(blob_sizes[i] + 1);

		cr_assert(data);
		for (j = 0; j < blob_sizes[i]; j++)
			data[j] = (unsigned char)rng_below(&rng, 256);
		cr_assert(git_blob_create_from_buffer(&o->ids[o->nr], repo, data,
						      blob_sizes[i]) == 0);
		snprintf(name, sizeof(name), "blob-%zu", blob_sizes[i]);
		cr_assert(git_treebuilder_insert(NULL, bld, name, &o->ids[o->nr],
						 GIT_FILEMODE_BLOB) == 0);
		o->nr++;
		free(data);
	}
	cr_assert(git_treebuilder_write(&o->ids[o->nr], bld) == 0);
	cr_assert(git_tree_lookup(&tree, repo, &o->ids[o->nr++]) == 0);
	cr_assert(git_signature_new(&sig, "A U Thor", "author@example.com",
				    1112911993, -420) == 0);
	cr_assert(git_commit_create(&o->ids[o->nr], repo, NULL, sig, sig, NULL,
				    "every size\n", tree, 0, NULL) == 0);
	cr_assert(git_object_lookup(&commit, repo, &o->ids[o->nr++],
				    GIT_OBJECT_COMMIT) == 0);
	cr_assert(git_tag_annotation_create(&o->ids[o->nr++], repo, "v1", commit,
					    sig, "a tag\n") == 0);
	git_object_free(commit);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(bld);
}

/* The names of the files in dir with the given suffix, counted. */
static size_t count_files(const char *dir, const char *suffix)
{
	size_t n = 0, len = strlen(suffix);
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name);

		if (de->d_name[0] != '.' && nl >= len &&
		    !strcmp(de->d_name + nl - len, suffix))
			n++;
	}
	closedir(d);
	return n;
}

static size_t count_loose(const char *objects)
{
	char *s = sh_ok(NULL, "find %s -path '*/pack' -prune -o -type f -print | "
			"grep -v '/info/' | wc -l", objects);
	size_t n = (size_t)strtoul(s, NULL, 10);

	free(s);
	return n;
}

Test(packwrite, a_pack_reads_back_object_for_object, .init = harness_setup,
     .fini = harness_teardown)
{
	git_repository *src, *dest;
	git_odb *src_odb = NULL, *dest_odb = NULL;
	struct objects o;
	char *out;
	size_t i;

	harness_libgit2_init();
	src = bare_repo("src.git");
	dest = bare_repo("dest.git");
	make_objects(&o, src);
	cr_assert(git_repository_odb(&src_odb, src) == 0);
	cr_assert(git_repository_odb(&dest_odb, dest) == 0);
	cr_assert_eq(pack_write_objects(dest_odb, src_odb, o.ids, o.nr), 0, "%s",
		     graft_error_message());
	git_odb_free(dest_odb);
	git_repository_free(dest);

	cr_assert_eq(count_files("dest.git/objects/pack", ".pack"), 1);
	cr_assert_eq(count_files("dest.git/objects/pack", ".idx"), 1);
	cr_assert_eq(count_loose("dest.git/objects"), 0, "objects were written loose");

	cr_assert(git_repository_open(&dest, "dest.git") == 0);
	cr_assert(git_repository_odb(&dest_odb, dest) == 0);
	for (i = 0; i < o.nr; i++) {
		git_odb_object *want = NULL, *got = NULL;
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), &o.ids[i]);
		cr_assert(git_odb_read(&want, src_odb, &o.ids[i]) == 0);
		cr_assert(git_odb_read(&got, dest_odb, &o.ids[i]) == 0, "%s is not in the pack", hex);
		cr_assert_eq(git_odb_object_type(got), git_odb_object_type(want), "%s", hex);
		cr_assert_eq(git_odb_object_size(got), git_odb_object_size(want), "%s", hex);
		cr_assert(!memcmp(git_odb_object_data(got), git_odb_object_data(want),
				  git_odb_object_size(want)), "%s differs", hex);
		git_odb_object_free(want);
		git_odb_object_free(got);
	}
	git_odb_free(src_odb);
	git_odb_free(dest_odb);
	git_repository_free(src);
	git_repository_free(dest);

	/* git reads it too: every object whole, none missing, all well formed */
	out = sh_ok(NULL, "git verify-pack -v dest.git/objects/pack/*.idx | tail -n 3");
	assert_contains(out, "non delta: 16 objects");
	cr_assert_null(strstr(out, "chain length"), "%s", out);
	free(out);
	sh_do(NULL, "git --git-dir=dest.git fsck --strict --no-dangling");
	git_libgit2_shutdown();
}

Test(packwrite, a_missing_object_leaves_no_pack, .init = harness_setup,
     .fini = harness_teardown)
{
	git_repository *src, *dest;
	git_odb *src_odb = NULL, *dest_odb = NULL;
	struct objects o;

	harness_libgit2_init();
	src = bare_repo("src.git");
	dest = bare_repo("dest.git");
	make_objects(&o, src);
	cr_assert(git_odb_hash(&o.ids[3], "nowhere", 7, GIT_OBJECT_BLOB) == 0);
	cr_assert(git_repository_odb(&src_odb, src) == 0);
	cr_assert(git_repository_odb(&dest_odb, dest) == 0);
	cr_assert_eq(pack_write_objects(dest_odb, src_odb, o.ids, o.nr), GRAFT_EFATAL);
	assert_contains(graft_error_message(), "cannot read object");
	git_odb_free(src_odb);
	git_odb_free(dest_odb);
	git_repository_free(src);
	git_repository_free(dest);
	cr_assert_eq(count_files("dest.git/objects/pack", ""), 0,
		     "a pack or a temporary file was left behind");
	cr_assert_eq(count_loose("dest.git/objects"), 0);
	git_libgit2_shutdown();
}

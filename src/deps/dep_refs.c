#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "deps/dep_checkout.h"
#include "deps/dep_refs.h"
#include "error.h"
#include "formats/names.h"
#include "strbuf.h"

/* 1 if s is 4 to 39 hexadecimal digits. */
static int is_abbreviated_oid(const char *s)
{
	size_t len = strspn(s, "0123456789abcdefABCDEF");

	return !s[len] && len >= 4 && len < GIT_OID_HEXSZ;
}

/* The commit ref names, peeled; 1 when there is no such ref. */
static int resolve_refname(git_oid *out, struct dep *d, const char *refname,
			   const char *ref)
{
	git_reference *r = NULL;
	git_object *obj = NULL;
	int rc = git_reference_lookup(&r, d->repo, refname);

	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
		git_error_clear();
		return 1;
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read %s in %s",
				       refname, d->shown);
	if (git_reference_peel(&obj, r, GIT_OBJECT_COMMIT) < 0) {
		git_error_clear();
		rc = graft_error("'%s' in %s does not point to a commit", ref,
				 d->name);
	} else {
		git_oid_cpy(out, git_object_id(obj));
	}
	git_object_free(obj);
	git_reference_free(r);
	return rc;
}

static int not_found(struct dep *d, const char *ref)
{
	graft_error("'%s' is not a branch, tag or commit of %s", ref, d->name);
	graft_error_hint("'git graft fetch %s' gets what its source has now",
			 d->name);
	return 1;
}

int dep_resolve(git_oid *out, struct dep *d, const char *ref)
{
	static const char *const prefixes[] = {
		"refs/tags/", DEP_REMOTE_REFS, "refs/heads/",
	};
	struct strbuf name = STRBUF_INIT;
	git_object *obj = NULL;
	git_oid prefix;
	size_t i;
	int rc;

	if (is_full_hex_oid(ref)) {
		git_oid_fromstr(out, ref);
		if (git_object_lookup(&obj, d->repo, out, GIT_OBJECT_COMMIT) < 0) {
			git_error_clear();
			return not_found(d, ref);
		}
		git_object_free(obj);
		return 0;
	}
	if (!strncmp(ref, "refs/", 5))
		return (rc = resolve_refname(out, d, ref, ref)) == 1 ?
		       not_found(d, ref) : rc;
	for (i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		strbuf_reset(&name);
		strbuf_addf(&name, "%s%s", prefixes[i], ref);
		rc = resolve_refname(out, d, name.buf, ref);
		if (rc <= 0) {
			strbuf_release(&name);
			return rc;
		}
	}
	strbuf_release(&name);
	if (!is_abbreviated_oid(ref))
		return not_found(d, ref);
	git_oid_fromstrn(&prefix, ref, strlen(ref));
	rc = git_object_lookup_prefix(&obj, d->repo, &prefix, strlen(ref),
				      GIT_OBJECT_COMMIT);
	if (rc == GIT_EAMBIGUOUS) {
		git_error_clear();
		return graft_error("'%s' is ambiguous in %s: give more digits of the commit id",
				   ref, d->name);
	}
	if (rc < 0) {
		git_error_clear();
		return not_found(d, ref);
	}
	git_oid_cpy(out, git_object_id(obj));
	git_object_free(obj);
	return 0;
}

int dep_resolve_rev(git_oid *out, char **name, struct dep *d, const char *rev)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_object *obj = NULL, *commit = NULL;
	int rc = dep_resolve(out, d, rev);

	if (name)
		*name = NULL;
	if (rc == 0 && name) {
		git_oid_tostr(hex, sizeof(hex), out);
		/* a short id may become ambiguous: the lock keeps the full one */
		*name = xstrdup(is_abbreviated_oid(rev) &&
				!strncasecmp(hex, rev, strlen(rev)) ? hex : rev);
	}
	if (rc <= 0)
		return rc;
	/* not a plain name: git's revision syntax, as git reads it */
	if (git_revparse_single(&obj, d->repo, rev) < 0) {
		git_error_clear();
		return 1;
	}
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		git_error_clear();
		rc = graft_error("'%s' in %s does not name a commit", rev, d->name);
	} else {
		graft_error_clear();
		rc = 0;
		git_oid_cpy(out, git_object_id(commit));
		if (name)
			*name = xstrdup(git_oid_tostr(hex, sizeof(hex), out));
	}
	git_object_free(commit);
	git_object_free(obj);
	return rc;
}

int dep_default_branch(char **out, struct dep *d)
{
	git_reference *head = NULL;
	const char *target;
	int rc = git_reference_lookup(&head, d->repo, DEP_REMOTE_REFS "HEAD");

	*out = NULL;
	if (rc == 0 && git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
	    (target = git_reference_symbolic_target(head)) &&
	    !strncmp(target, DEP_REMOTE_REFS, strlen(DEP_REMOTE_REFS))) {
		*out = xstrdup(target + strlen(DEP_REMOTE_REFS));
		git_reference_free(head);
		return 0;
	}
	git_reference_free(head);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		return graft_error_git(GRAFT_EFATAL, "cannot read %sHEAD in %s",
				       DEP_REMOTE_REFS, d->shown);
	git_error_clear();
	graft_error("the default branch of %s's source is not known", d->name);
	graft_error_hint("set 'ref' for it in graft.ini, or run 'git graft fetch %s'",
			 d->name);
	return 1;
}

int dep_tracked_ref(char **out, struct dep *d, const char *declared_ref)
{
	if (declared_ref) {
		*out = xstrdup(declared_ref);
		return 0;
	}
	return dep_default_branch(out, d);
}

int dep_has_commit(struct dep *d, const git_oid *commit)
{
	git_commit *c = NULL;
	int found = git_commit_lookup(&c, d->repo, commit) == 0;

	git_commit_free(c);
	git_error_clear();
	return found;
}

/* Append the commits the refs matching glob point to (peeled). */
static int collect_tips(git_oid **tips, size_t *nr, size_t *alloc,
			struct dep *d, const char *glob)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	git_object *obj;
	int err;

	if (git_reference_iterator_glob_new(&it, d->repo, glob) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot list the refs of %s",
				       d->shown);
	while ((err = git_reference_next(&ref, it)) == 0) {
		if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
			ALLOC_GROW(*tips, *nr + 1, *alloc);
			git_oid_cpy(&(*tips)[(*nr)++], git_object_id(obj));
			git_object_free(obj);
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (err != GIT_ITEROVER)
		return graft_error_git(GRAFT_EFATAL, "cannot list the refs of %s",
				       d->shown);
	git_error_clear();
	return 0;
}

int dep_unpublished(int *unpublished, struct dep *d)
{
	git_oid *published = NULL, *local = NULL, head;
	size_t published_nr = 0, published_alloc = 0;
	size_t local_nr = 0, local_alloc = 0, i;
	int rc;

	*unpublished = 0;
	if ((rc = collect_tips(&published, &published_nr, &published_alloc, d,
			       "refs/remotes/*")) < 0 ||
	    (rc = collect_tips(&published, &published_nr, &published_alloc, d,
			       "refs/tags/*")) < 0 ||
	    (rc = collect_tips(&local, &local_nr, &local_alloc, d,
			       "refs/heads/*")) < 0)
		goto done;
	if ((rc = dep_head(&head, d)) < 0)
		goto done;
	if (rc == 0) {
		ALLOC_GROW(local, local_nr + 1, local_alloc);
		git_oid_cpy(&local[local_nr++], &head);
	}
	graft_error_clear();
	for (i = 0; i < local_nr && !*unpublished; i++) {
		rc = published_nr ? git_graph_reachable_from_any(
			d->repo, &local[i], published, published_nr) : 0;
		if (rc < 0) {
			rc = graft_error_git(GRAFT_EFATAL, "cannot walk the history of %s",
					     d->shown);
			goto done;
		}
		*unpublished = !rc;
	}
	rc = 0;
done:
	free(published);
	free(local);
	return rc;
}

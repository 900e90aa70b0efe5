#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "formats/trailers.h"
#include "gitconfig.h"
#include "ops/commit.h"
#include "strbuf.h"

/* ---- what configuration decides --------------------------------------- */

static int read_signing(struct commit_setup *s, git_config *cfg,
			const struct commit_options *o,
			const git_signature *committer)
{
	int rc;

	s->sign = o->gpg_sign;
	if (s->sign < 0) {
		s->sign = 0;
		if ((rc = gitconfig_get_bool(cfg, "commit.gpgSign", &s->sign)) < 0)
			return rc;
	}
	if (!s->sign)
		return 0;
	if ((rc = signer_init(&s->signer, cfg, o->gpg_key, committer)) < 0)
		graft_error_prefix("cannot sign the commit");
	return rc;
}

/* git labels a message only when it is not in UTF-8 */
static int read_encoding(struct commit_setup *s, git_config *cfg)
{
	int rc = gitconfig_get_string(cfg, "i18n.commitEncoding", &s->encoding);

	if (rc == 0 && s->encoding && (!strcasecmp(s->encoding, "utf-8") ||
				       !strcasecmp(s->encoding, "utf8"))) {
		free(s->encoding);
		s->encoding = NULL;
	}
	return rc;
}

/* commit.cleanup as `git commit -m` reads it (no editor is started) */
static int read_cleanup(struct commit_setup *s, git_config *cfg)
{
	char *mode = NULL, *comment = NULL;
	int rc;

	if ((rc = gitconfig_get_string(cfg, "commit.cleanup", &mode)) < 0 ||
	    (rc = gitconfig_get_string(cfg, "core.commentChar", &comment)) < 0)
		goto done;
	if (comment && strlen(comment) == 1)
		s->comment_char = comment[0];
	if (!mode || !strcmp(mode, "default") || !strcmp(mode, "whitespace") ||
	    !strcmp(mode, "scissors"))
		s->cleanup = CLEANUP_WHITESPACE;
	else if (!strcmp(mode, "strip"))
		s->cleanup = CLEANUP_STRIP;
	else if (!strcmp(mode, "verbatim"))
		s->cleanup = CLEANUP_VERBATIM;
	else
		rc = graft_error("invalid cleanup mode %s (commit.cleanup)", mode);
done:
	free(mode);
	free(comment);
	return rc;
}

int commit_setup(struct commit_setup *s, const struct graft_repo *r,
		 enum commit_kind kind, const struct commit_options *o,
		 const git_signature *committer)
{
	git_config *cfg = NULL;
	int rc;

	*s = (struct commit_setup)COMMIT_SETUP_INIT;
	s->repo = r->repo;
	s->verify = kind == COMMIT_LIKE_COMMIT && !o->no_verify;
	s->message_file = repo_git_path(r, "COMMIT_EDITMSG");
	if (git_repository_config_snapshot(&cfg, r->repo) < 0)
		return graft_error_git(GRAFT_EFATAL,
				       "cannot read the repository's config");
	if ((rc = hooks_init(&s->hooks, r, cfg)) == 0 &&
	    (rc = read_signing(s, cfg, o, committer)) == 0 &&
	    (rc = read_encoding(s, cfg)) == 0)
		rc = read_cleanup(s, cfg);
	git_config_free(cfg);
	return rc;
}

void commit_setup_release(struct commit_setup *s)
{
	hooks_release(&s->hooks);
	signer_release(&s->signer);
	free(s->encoding);
	free(s->message_file);
	*s = (struct commit_setup)COMMIT_SETUP_INIT;
}

/* ---- hooks ------------------------------------------------------------ */

/* What every commit hook gets on top of the hooks' own environment. */
static void hook_env(struct cmdenv *env, git_index *index,
		     const git_signature *author)
{
	struct strbuf date = STRBUF_INIT;
	int offset = author->when.offset;
	const char *path = git_index_path(index);

	if (path)
		cmdenv_set(env, "GIT_INDEX_FILE", path);
	/* no editor is started, and the hooks may know it */
	cmdenv_set(env, "GIT_EDITOR", ":");
	cmdenv_set(env, "GIT_AUTHOR_NAME", author->name);
	cmdenv_set(env, "GIT_AUTHOR_EMAIL", author->email);
	strbuf_addf(&date, "@%lld %c%02d%02d", (long long)author->when.time,
		    offset < 0 ? '-' : '+', abs(offset) / 60, abs(offset) % 60);
	cmdenv_set(env, "GIT_AUTHOR_DATE", date.buf);
	strbuf_release(&date);
}

/*
 * pre-commit, then the index as it left it: what it staged is
 * committed, but never a path of never_commit.
 */
static int run_pre_commit(const struct commit_setup *s,
			  const struct commit_request *req,
			  const struct cmdenv *env)
{
	git_index *idx = req->index;
	size_t i, removed = 0;
	int rc;

	if (!s->verify || !hook_exists(&s->hooks, "pre-commit"))
		return s->verify ? hook_run(&s->hooks, "pre-commit", NULL,
					    cmdenv_items(env)) : 0;
	if ((rc = hook_run(&s->hooks, "pre-commit", NULL, cmdenv_items(env))) < 0)
		return rc;
	if (git_index_read(idx, 1) < 0)
		return graft_error_git(GRAFT_EFATAL,
				       "cannot read the index the pre-commit hook left");
	for (i = 0; req->never_commit && i < req->never_commit->nr; i++) {
		const char *path = req->never_commit->items[i];

		if (!git_index_get_bypath(idx, path, 0))
			continue;
		if (git_index_remove_bypath(idx, path) < 0)
			return graft_error_git(GRAFT_EFATAL, "cannot unstage %s", path);
		removed++;
	}
	return removed ? repo_write_index(idx) : 0;
}

/* ---- the message ------------------------------------------------------ */

/* Trailing whitespace off; the length of what is left (0: a blank line). */
static size_t trim_line(const char *line, size_t len)
{
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
		       line[len - 1] == '\n' || line[len - 1] == '\r' ||
		       line[len - 1] == '\v' || line[len - 1] == '\f'))
		len--;
	return len;
}

/*
 * git's strbuf_stripspace: trailing whitespace off every line, runs of
 * blank lines made one, none at the start or the end, a newline at the
 * end; lines starting with comment (when not '\0') dropped.
 */
static void stripspace(struct strbuf *sb, char comment)
{
	size_t i = 0, j = 0, blanks = 0;

	while (i < sb->len) {
		const char *eol = memchr(sb->buf + i, '\n', sb->len - i);
		size_t len = eol ? (size_t)(eol - (sb->buf + i)) + 1 : sb->len - i;
		size_t kept;

		if (comment && sb->buf[i] == comment) {
			i += len;
			continue;
		}
		kept = trim_line(sb->buf + i, len);
		if (!kept) {
			blanks++;
		} else {
			if (blanks && j)
				sb->buf[j++] = '\n';
			blanks = 0;
			memmove(sb->buf + j, sb->buf + i, kept);
			j += kept;
			sb->buf[j++] = '\n';
		}
		i += len;
	}
	strbuf_setlen(sb, j);
}

static int same_string(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The Graft-* trailers of after are those of before. */
static int trailers_kept(const char *before, const char *after)
{
	struct graft_trailers a = GRAFT_TRAILERS_INIT, b = GRAFT_TRAILERS_INIT;
	int same;

	if (trailers_parse(&a, before) != 0)
		return 0;
	same = trailers_parse(&b, after) == 0 && a.action == b.action &&
	       same_string(a.dependency, b.dependency) &&
	       same_string(a.from_ref, b.from_ref) &&
	       same_string(a.from_commit, b.from_commit) &&
	       same_string(a.to_ref, b.to_ref) &&
	       same_string(a.to_commit, b.to_commit) &&
	       same_string(a.reverts, b.reverts) &&
	       same_string(a.change, b.change) &&
	       a.series_pos == b.series_pos && a.series_len == b.series_len;
	graft_error_clear();
	trailers_release(&a);
	trailers_release(&b);
	return same;
}

/*
 * The message after prepare-commit-msg and commit-msg, which see it in
 * COMMIT_EDITMSG, cleaned up as git cleans it.
 */
static int final_message(struct strbuf *msg, const struct commit_setup *s,
			 const struct commit_request *req,
			 const struct cmdenv *env)
{
	const char *prepare_args[] = { s->message_file, "message", NULL };
	const char *msg_args[] = { s->message_file, NULL };
	int editable = hook_exists(&s->hooks, "prepare-commit-msg") ||
		       (s->verify && hook_exists(&s->hooks, "commit-msg"));
	int rc;

	strbuf_addstr(msg, req->message);
	if (editable &&
	    (rc = file_write_atomic(s->message_file, msg->buf, msg->len)) < 0)
		return rc;
	if ((rc = hook_run(&s->hooks, "prepare-commit-msg", prepare_args,
			   cmdenv_items(env))) < 0 ||
	    (s->verify && (rc = hook_run(&s->hooks, "commit-msg", msg_args,
					 cmdenv_items(env))) < 0))
		return rc;
	if (editable) {
		strbuf_reset(msg);
		if ((rc = file_read(s->message_file, msg, NULL)) < 0)
			return rc;
	}
	if (s->cleanup != CLEANUP_VERBATIM)
		stripspace(msg, s->cleanup == CLEANUP_STRIP ? s->comment_char : 0);
	if (!msg->len)
		return graft_error("the commit message is empty once the hooks have run: aborting the commit, as git does");
	if (!trailers_kept(req->message, msg->buf)) {
		rc = graft_error("the commit message lost or changed its Graft-* trailers in the prepare-commit-msg or commit-msg hook");
		graft_error_hint("git graft reads its history from them: a hook may add to the message, but must leave them as they are");
		return rc;
	}
	return 0;
}

/* ---- the commit ------------------------------------------------------- */

/* The commit object: built, signed if asked, written. */
static int write_commit(git_oid *out, const struct commit_setup *s,
			const struct commit_request *req, git_tree *tree,
			const char *message)
{
	git_buf buf = GIT_BUF_INIT;
	struct strbuf signature = STRBUF_INIT;
	const git_commit *parents[1] = { req->parent };
	int rc = 0;

	if (git_commit_create_buffer(&buf, s->repo, req->author, req->committer,
				     s->encoding, message, tree, 1, parents) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot build the commit");
	if (s->sign &&
	    (rc = signer_sign(&s->signer, &signature, buf.ptr, buf.size)) < 0)
		goto done;
	/* libgit2 ends the header field with the newline itself */
	strbuf_rtrim(&signature);
	if (git_commit_create_with_signature(out, s->repo, buf.ptr,
					     s->sign ? signature.buf : NULL,
					     NULL) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot write the commit");
done:
	strbuf_release(&signature);
	git_buf_dispose(&buf);
	return rc;
}

/* The ref that moves: where update_ref leads through symbolic refs. */
static int target_ref(char **out, git_repository *repo, const char *name)
{
	git_reference *ref = NULL;
	char *current = xstrdup(name);
	int depth, rc = 0;

	for (depth = 0; depth < 5; depth++) {
		if (git_reference_lookup(&ref, repo, current) < 0) {
			rc = graft_error_git(GRAFT_EFATAL, "cannot read %s", current);
			break;
		}
		if (git_reference_type(ref) != GIT_REFERENCE_SYMBOLIC) {
			git_reference_free(ref);
			*out = current;
			return 0;
		}
		free(current);
		current = xstrdup(git_reference_symbolic_target(ref));
		git_reference_free(ref);
	}
	if (!rc)
		rc = graft_error("%s is a symbolic ref pointing too deep", name);
	free(current);
	return rc;
}

/*
 * Move the ref from the parent to commit, under its lock, with the
 * reflog entry git commit writes.
 */
static int move_ref(const struct commit_setup *s,
		    const struct commit_request *req, const git_oid *commit,
		    const char *message)
{
	const git_oid *parent = git_commit_id(req->parent);
	git_transaction *tx = NULL;
	struct strbuf reflog = STRBUF_INIT;
	char *name = NULL;
	git_oid current;
	int rc;

	if ((rc = target_ref(&name, s->repo, req->update_ref)) < 0)
		return rc;
	strbuf_addstr(&reflog, "commit: ");
	strbuf_add(&reflog, message, strcspn(message, "\n"));
	if (git_transaction_new(&tx, s->repo) < 0 ||
	    git_transaction_lock_ref(tx, name) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot lock %s", name);
		goto done;
	}
	if (git_reference_name_to_id(&current, s->repo, name) < 0 ||
	    !git_oid_equal(&current, parent)) {
		git_error_clear();
		rc = graft_error("%s moved while the commit was made: it no longer points at %.7s",
				 name, git_oid_tostr_s(parent));
		goto done;
	}
	if (git_transaction_set_target(tx, name, commit, req->committer,
				       reflog.buf) < 0 ||
	    git_transaction_commit(tx) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot move %s", name);
		goto done;
	}
	/* a write that failed unseen must not pass for a commit */
	if (git_reference_name_to_id(&current, s->repo, name) < 0 ||
	    !git_oid_equal(&current, commit)) {
		git_error_clear();
		rc = graft_error("%s did not move to the new commit", name);
	}
done:
	git_transaction_free(tx);
	strbuf_release(&reflog);
	free(name);
	return rc;
}

int commit_create(git_oid *out, const struct commit_setup *s,
		  const struct commit_request *req)
{
	struct cmdenv env = CMDENV_INIT;
	struct strbuf message = STRBUF_INIT;
	git_tree *tree = NULL;
	git_oid tree_id;
	int rc;

	hook_env(&env, req->index, req->author);
	if ((rc = run_pre_commit(s, req, &env)) < 0)
		goto done;
	if (git_index_write_tree(&tree_id, req->index) < 0 ||
	    git_tree_lookup(&tree, s->repo, &tree_id) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot write the index as a tree");
		goto done;
	}
	if ((rc = final_message(&message, s, req, &env)) < 0 ||
	    (rc = write_commit(out, s, req, tree, message.buf)) < 0)
		goto done;
	rc = move_ref(s, req, out, message.buf);
done:
	git_tree_free(tree);
	strbuf_release(&message);
	cmdenv_release(&env);
	return rc;
}

void commit_post_hook(const struct commit_setup *s, git_index *index,
		      const git_signature *author)
{
	struct cmdenv env = CMDENV_INIT;

	hook_env(&env, index, author);
	if (hook_run(&s->hooks, "post-commit", NULL, cmdenv_items(&env)) < 0)
		graft_error_clear();
	cmdenv_release(&env);
}

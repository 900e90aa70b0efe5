#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "alloc.h"
#include "error.h"
#include "formats/names.h"
#include "formats/trailers.h"

const char *graft_action_name(enum graft_action action)
{
	return action == GRAFT_ACTION_ROLLBACK ? "rollback" : "upgrade";
}

const char *graft_skipped_name(enum graft_skipped_command command)
{
	return command == GRAFT_SKIPPED_VERIFY ? "verify" : "migration";
}

void trailers_release(struct graft_trailers *t)
{
	size_t i;

	for (i = 0; i < t->skipped_nr; i++)
		free(t->skipped[i].change);
	free(t->skipped);
	free(t->dependency);
	free(t->from_ref);
	free(t->from_commit);
	free(t->to_ref);
	free(t->to_commit);
	free(t->reverts);
	free(t->change);
	memset(t, 0, sizeof(*t));
}

int trailers_may_have(const char *message)
{
	return strstr(message, "\nGraft-Action: ") != NULL;
}

/* "<ref> <40-hex>" into its two halves, both checked. */
static int split_ref_commit(const char *value, char **ref, char **commit)
{
	const char *space = strrchr(value, ' ');
	char *r;

	if (!space || space == value || !is_full_hex_oid(space + 1))
		return -1;
	r = xstrndup(value, (size_t)(space - value));
	if (ref_check(r, "ref") < 0) {
		graft_error_clear();
		free(r);
		return -1;
	}
	*ref = r;
	*commit = xstrdup(space + 1);
	return 0;
}

/* "migration <ref>" or "verify <ref>", the ref checked. */
static int add_skipped(struct graft_trailers *t, const char *value)
{
	const char *space = strchr(value, ' ');
	struct graft_skipped *sk;
	size_t len = space ? (size_t)(space - value) : 0;
	int command;

	if (len == strlen("migration") && !strncmp(value, "migration", len))
		command = GRAFT_SKIPPED_MIGRATION;
	else if (len == strlen("verify") && !strncmp(value, "verify", len))
		command = GRAFT_SKIPPED_VERIFY;
	else
		return -1;
	if (ref_check(space + 1, "ref") < 0) {
		graft_error_clear();
		return -1;
	}
	ALLOC_GROW(t->skipped, t->skipped_nr + 1, t->skipped_alloc);
	sk = &t->skipped[t->skipped_nr++];
	sk->command = (enum graft_skipped_command)command;
	sk->change = xstrdup(space + 1);
	return 0;
}

/* Long enough for any series git-graft makes; short enough to parse safely. */
#define SERIES_MAX 9999

static int parse_count(const char *s, const char *end, unsigned *out)
{
	unsigned n = 0;

	if (s == end || *s == '0' || end - s > 4)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (unsigned)(*s - '0');
	}
	*out = n;
	return 0;
}

int trailers_parse_series(const char *value, unsigned *pos, unsigned *len)
{
	const char *slash = strchr(value, '/');
	unsigned p, l;

	if (!slash || parse_count(value, slash, &p) < 0 ||
	    parse_count(slash + 1, slash + strlen(slash), &l) < 0 ||
	    p > l || l > SERIES_MAX)
		return -1;
	*pos = p;
	*len = l;
	return 0;
}

/* A valid ref, once. */
static int take_ref(char **slot, const char *value)
{
	if (*slot || ref_check(value, "ref") < 0) {
		graft_error_clear();
		return -1;
	}
	*slot = xstrdup(value);
	return 0;
}

/* Keep the first value of key; a second one makes the message ambiguous. */
static int take(char **slot, const char *value)
{
	if (*slot)
		return -1;
	*slot = xstrdup(value);
	return 0;
}

static int read_trailer(struct graft_trailers *t, char **action,
			const git_message_trailer *tr)
{
	if (!strcmp(tr->key, "Graft-Dependency"))
		return take(&t->dependency, tr->value);
	if (!strcmp(tr->key, "Graft-Action"))
		return take(action, tr->value);
	if (!strcmp(tr->key, "Graft-From"))
		return t->from_ref ? -1 :
		       split_ref_commit(tr->value, &t->from_ref, &t->from_commit);
	if (!strcmp(tr->key, "Graft-To"))
		return t->to_ref ? -1 :
		       split_ref_commit(tr->value, &t->to_ref, &t->to_commit);
	if (!strcmp(tr->key, "Graft-Reverts"))
		return is_full_hex_oid(tr->value) ? take(&t->reverts, tr->value) : -1;
	if (!strcmp(tr->key, "Graft-Skipped"))
		return add_skipped(t, tr->value);
	if (!strcmp(tr->key, "Graft-Change"))
		return take_ref(&t->change, tr->value);
	if (!strcmp(tr->key, "Graft-Series"))
		return t->series_len ? -1 :
		       trailers_parse_series(tr->value, &t->series_pos,
					     &t->series_len);
	return 0;
}

int trailers_parse(struct graft_trailers *out, const char *message)
{
	git_message_trailer_array arr = { 0 };
	struct graft_trailers t = GRAFT_TRAILERS_INIT;
	char *action = NULL;
	size_t i;
	int bad = 0;

	if (!trailers_may_have(message))
		return 1;
	if (git_message_trailers(&arr, message) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read commit trailers");
	for (i = 0; i < arr.count && !bad; i++)
		bad = read_trailer(&t, &action, &arr.trailers[i]) < 0;
	git_message_trailer_array_free(&arr);

	if (!bad && action && !strcmp(action, "upgrade"))
		t.action = GRAFT_ACTION_UPGRADE;
	else if (!bad && action && !strcmp(action, "rollback"))
		t.action = GRAFT_ACTION_ROLLBACK;
	else
		bad = 1;
	if (!bad && (!t.dependency || !t.from_ref || !t.to_ref))
		bad = 1;
	if (!bad && name_check(t.dependency, "dependency") < 0) {
		graft_error_clear();
		bad = 1;
	}
	if (!bad && (t.action == GRAFT_ACTION_ROLLBACK) != (t.reverts != NULL))
		bad = 1;
	if (!bad && t.action == GRAFT_ACTION_ROLLBACK &&
	    (t.skipped_nr || t.change || t.series_len))
		bad = 1;
	/* a commit of a series names its change, and only such a commit */
	if (!bad && !t.change != !t.series_len)
		bad = 1;
	free(action);
	if (bad) {
		trailers_release(&t);
		return 1;
	}
	*out = t;
	return 0;
}

void trailers_format_message(struct strbuf *out, const struct graft_trailers *t)
{
	size_t i;

	strbuf_addf(out, "graft: %s %s %s -> %s",
		    t->downgrade ? "downgrade" : graft_action_name(t->action),
		    t->dependency, t->from_ref, t->to_ref);
	if (t->series_len)
		strbuf_addf(out, " (%u/%u: %s)", t->series_pos, t->series_len,
			    t->change);
	strbuf_addstr(out, "\n\n");
	strbuf_addf(out, "Graft-Dependency: %s\n", t->dependency);
	strbuf_addf(out, "Graft-Action: %s\n", graft_action_name(t->action));
	strbuf_addf(out, "Graft-From: %s %s\n", t->from_ref, t->from_commit);
	strbuf_addf(out, "Graft-To: %s %s\n", t->to_ref, t->to_commit);
	if (t->reverts)
		strbuf_addf(out, "Graft-Reverts: %s\n", t->reverts);
	if (t->series_len) {
		strbuf_addf(out, "Graft-Change: %s\n", t->change);
		strbuf_addf(out, "Graft-Series: %u/%u\n", t->series_pos,
			    t->series_len);
	}
	for (i = 0; i < t->skipped_nr; i++)
		strbuf_addf(out, "Graft-Skipped: %s %s\n",
			    graft_skipped_name(t->skipped[i].command),
			    t->skipped[i].change);
}

#ifndef GRAFT_TRAILERS_H
#define GRAFT_TRAILERS_H

#include "strbuf.h"

/*
 * The commits git-graft makes say what they did in trailers (docs/design.md):
 *
 *   graft: upgrade meta-kb v1.5.0 -> v2.0.0
 *
 *   Graft-Dependency: meta-kb
 *   Graft-Action: upgrade
 *   Graft-From: v1.5.0 <40-hex commit>
 *   Graft-To: v2.0.0 <40-hex commit>
 *
 * A rollback adds "Graft-Reverts: <commit>". An upgrade that left a
 * command out (--skip-migration, --skip-verify) says so, a trailer each,
 * in the order they would have run:
 *
 *   Graft-Skipped: migration v2.0.0
 *   Graft-Skipped: verify v2.0.0
 *
 * An upgrade made as one commit per change (--commit-per-change) says
 * which change each commit is for and where it stands in the series,
 * every commit of it with the From and To of the whole upgrade:
 *
 *   graft: upgrade meta-kb v1.5.0 -> v3.0.0 (1/2: v2.0.0)
 *   ...
 *   Graft-Change: v2.0.0
 *   Graft-Series: 1/2
 *
 * History (log, rollback of a committed upgrade, crash recovery) is read
 * back from these trailers, so a message only counts when every one of
 * them is present and valid.
 */

enum graft_action {
	GRAFT_ACTION_UPGRADE,
	GRAFT_ACTION_ROLLBACK,
};

enum graft_skipped_command {
	GRAFT_SKIPPED_MIGRATION,
	GRAFT_SKIPPED_VERIFY,
};

/* A command an upgrade was told not to run. */
struct graft_skipped {
	enum graft_skipped_command command;
	char *change;		/* the ref of the change it belongs to */
};

struct graft_trailers {
	enum graft_action action;
	char *dependency;
	char *from_ref, *from_commit;
	char *to_ref, *to_commit;
	char *reverts;		/* rollback only, else NULL */
	struct graft_skipped *skipped;	/* upgrade only */
	size_t skipped_nr, skipped_alloc;
	int downgrade;		/* an upgrade whose subject says "downgrade" */
	char *change;		/* Graft-Change, or NULL */
	/* Graft-Series <pos>/<len>, 1 <= pos <= len; 0/0 without one */
	unsigned series_pos, series_len;
};

#define GRAFT_TRAILERS_INIT { .action = GRAFT_ACTION_UPGRADE }

/* "upgrade" or "rollback" */
const char *graft_action_name(enum graft_action action);

/* "migration" or "verify", as Graft-Skipped names them */
const char *graft_skipped_name(enum graft_skipped_command command);

/*
 * Read the trailers of a commit message. Returns 0 when the message is a
 * git-graft commit (out filled; release it), 1 when it is not (an ordinary
 * commit, or one whose Graft-* trailers are incomplete or invalid), and a
 * negative error only when libgit2 fails.
 */
int trailers_parse(struct graft_trailers *out, const char *message);

/*
 * A cheap test to skip most ordinary commits before trailers_parse on
 * long histories: 0 means the message is certainly not a git-graft commit.
 */
int trailers_may_have(const char *message);

/*
 * "<pos>/<len>" as Graft-Series writes it, both at most 9999, 1 <= pos <=
 * len: 0 and the two set, or -1.
 */
int trailers_parse_series(const char *value, unsigned *pos, unsigned *len);

/* The whole commit message for t (subject, blank line, trailers). */
void trailers_format_message(struct strbuf *out, const struct graft_trailers *t);

void trailers_release(struct graft_trailers *t);

#endif

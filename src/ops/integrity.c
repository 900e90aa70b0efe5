#include <string.h>

#include "deps/dep_checkout.h"
#include "deps/dep_gitlink.h"
#include "error.h"
#include "ops/integrity.h"

int dep_integrity_check(struct dep_integrity *out, struct dep *d,
			git_index *idx, const git_oid *locked)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->cloned = d->repo != NULL;
	if (out->cloned) {
		if ((rc = dep_head(&out->head, d)) < 0)
			return rc;
		out->has_head = rc == 0;
	}
	out->has_gitlink = dep_gitlink(&out->gitlink, idx, d) == 0;
	graft_error_clear();
	if (!locked)
		return 0;
	if (!out->cloned)
		out->problems |= INTEGRITY_NOT_CLONED;
	else if (!out->has_head || !git_oid_equal(&out->head, locked))
		out->problems |= INTEGRITY_CHECKOUT;
	if (!out->has_gitlink || !git_oid_equal(&out->gitlink, locked))
		out->problems |= INTEGRITY_GITLINK;
	return 0;
}

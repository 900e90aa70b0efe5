#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "deps/dep_gitconfig.h"
#include "deps/dep_gitlink.h"
#include "deps/gitmodules.h"
#include "error.h"
#include "ops/register.h"
#include "paths.h"
#include "report.h"
#include "strbuf.h"

/* Record commit as the gitlink, unless the index has it already. */
static int stage(struct dep_registration *reg, struct project *p,
		 const struct dep *d, const git_oid *commit)
{
	int rc;

	reg->had_gitlink = dep_gitlink(&reg->previous, p->index, d) == 0;
	graft_error_clear();
	if (reg->had_gitlink && git_oid_equal(&reg->previous, commit))
		return 0;
	if ((rc = dep_stage_gitlink(p->index, d, commit)) == 0)
		reg->staged = 1;
	return rc;
}

int project_register_dep_url(struct project *p, struct dep *d,
			     const char *source)
{
	char *configured = NULL, *url;
	int rc = dep_gitconfig_url(&configured, d);

	free(configured);
	if (rc != 1)
		return rc < 0 ? rc : 1;
	url = source_fetch_url(p->repo.workdir, source);
	rc = dep_gitconfig_register(d, url);
	free(url);
	return rc;
}

/* submodule.<name>.url and .active, as mode says. */
static int configure(struct dep_registration *reg, struct project *p,
		     struct dep *d, const char *source, enum register_mode mode)
{
	char *url;
	int rc;

	if (mode == REGISTER_KEEP_URL) {
		rc = project_register_dep_url(p, d, source);
	} else {
		url = source_fetch_url(p->repo.workdir, source);
		rc = dep_gitconfig_register(d, url);
		free(url);
	}
	/* a failure may have set one key of the two */
	reg->configured = rc <= 0;
	return rc < 0 ? rc : 0;
}

int project_register_dep(struct dep_registration *reg, struct project *p,
			 struct dep *d, const char *source,
			 const git_oid *commit, enum register_mode mode)
{
	const struct strbuf *cur;
	struct strbuf next = STRBUF_INIT;
	char *url;
	int exists, rc;

	memset(reg, 0, sizeof(*reg));
	/* the steps that can fail first; planning the section cannot */
	if (!d->submodule) {
		if ((rc = file_edits_content(&cur, &exists, &p->edits,
					     p->repo.workdir,
					     GITMODULES_FILE)) < 0)
			return rc;
		url = source_gitmodules_url(source);
		gitmodules_append(&next, cur->buf, cur->len, d->name, d->path,
				  url);
		free(url);
	}
	if ((rc = stage(reg, p, d, commit)) < 0 ||
	    (rc = configure(reg, p, d, source, mode)) < 0)
		goto fail;
	if (!d->submodule) {
		if ((rc = file_edits_write(&p->edits, p->repo.workdir,
					   GITMODULES_FILE, next.buf,
					   next.len)) < 0)
			goto fail;
		reg->planned = 1;
		d->submodule = xstrdup(d->name);
	}
	strbuf_release(&next);
	return 0;
fail:
	project_unregister_dep(p, d, reg);
	memset(reg, 0, sizeof(*reg));
	strbuf_release(&next);
	return rc;
}

void project_unregister_dep(struct project *p, struct dep *d,
			    const struct dep_registration *reg)
{
	struct graft_error_saved saved;

	graft_error_save(&saved);
	if (reg->staged &&
	    (reg->had_gitlink ? dep_stage_gitlink(p->index, d, &reg->previous) :
	     dep_unstage_gitlink(p->index, d)) < 0)
		graft_warning("%s", graft_error_message());
	if (reg->configured && dep_gitconfig_unregister(d) < 0)
		graft_warning("%s", graft_error_message());
	if (reg->planned) {
		free(d->submodule);
		d->submodule = NULL;
	}
	graft_error_restore(&saved);
}

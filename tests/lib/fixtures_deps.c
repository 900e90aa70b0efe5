#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

char *make_dep_repo(const char *name)
{
	char *path = tmp_path("%s", name);
	char *q = shq(path);

	sh_do(NULL,
	      "git init -q %s && cd %s && "
	      "echo one > README && git add README && git commit -q -m one && "
	      "git tag v1.0.0 && "
	      "printf '[metadata]\\nname = %s\\n\\n[change \"v2.0.0\"]\\n"
	      "type = breaking\\ndescription = Renamed things\\n"
	      "migration = migrate\\n\\n[command \"migrate\"]\\nrun = true\\n' "
	      "> graft.ini && echo two > README && git add -A && "
	      "git commit -q -m two && git tag -a -m v2 v2.0.0 && "
	      "echo three > README && git commit -q -a -m three",
	      q, q, name);
	free(q);
	return path;
}

void dep_commit(const char *dep, const char *message)
{
	char *q = shq(message);

	sh_do(dep, "echo %s >> README && git commit -q -a -m %s", q, q);
	free(q);
}

char *rev(const char *repo, const char *name)
{
	char *q = shq(name), *out;

	out = sh_ok(repo, "git rev-parse --verify %s^{commit}", q);
	free(q);
	return out;
}

char *deps_state(const char *repo)
{
	return sh_ok(repo,
		     "git status --porcelain --untracked-files=all --ignored; "
		     "echo '== index'; git ls-files -s; "
		     "for f in graft.ini graft.lock .gitmodules .git/config; do "
		     "echo \"== $f\"; cat $f 2>/dev/null; done; "
		     "echo '== modules'; find .git/modules 2>/dev/null | sort; "
		     "echo '== .graft'; find .graft 2>/dev/null | sort");
}

char *lock_value(const char *repo, const char *name, const char *key)
{
	/* not git config -f: "consumed_at" is no valid git config key */
	return sh_ok(repo,
		     "awk -v sec='[dependency \"%s\"]' -v key=%s "
		     "'$0 == sec { s = 1; next } /^\\[/ { s = 0 } "
		     "s && $1 == key { print $3 }' graft.lock",
		     name, key);
}

char *make_app_with_kb(const char *ref)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	struct cmd_result r;
	char spec[64];

	snprintf(spec, sizeof(spec), "../kb%s%s", ref ? "#" : "", ref ? ref : "");
	r = graft(app, "add", "kb", spec, NULL);
	cr_assert_eq(r.status, 0, "add failed: %s", r.err);
	cmd_result_free(&r);
	free(kb);
	return app;
}

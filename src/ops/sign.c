#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "exec.h"
#include "fileio.h"
#include "gitconfig.h"
#include "ops/sign.h"

static const struct {
	const char *name;
	const char *program;
	const char *program_keys[2];	/* the first one set wins */
} formats[] = {
	[SIGN_OPENPGP] = { "openpgp", "gpg",
			   { "gpg.openpgp.program", "gpg.program" } },
	[SIGN_X509] = { "x509", "gpgsm", { "gpg.x509.program", NULL } },
	[SIGN_SSH] = { "ssh", "ssh-keygen", { "gpg.ssh.program", NULL } },
};

static int read_format(enum sign_format *out, git_config *cfg)
{
	char *value = NULL;
	size_t i;
	int rc;

	*out = SIGN_OPENPGP;
	if ((rc = gitconfig_get_string(cfg, "gpg.format", &value)) < 0 || !value)
		return rc;
	for (i = 0; i < sizeof(formats) / sizeof(*formats); i++)
		if (!strcmp(value, formats[i].name)) {
			*out = (enum sign_format)i;
			free(value);
			return 0;
		}
	rc = graft_error("invalid value for 'gpg.format': '%s'", value);
	graft_error_hint("it is openpgp, x509 or ssh");
	free(value);
	return rc;
}

static int read_program(struct signer *s, git_config *cfg)
{
	size_t i;
	int rc;

	for (i = 0; i < 2 && formats[s->format].program_keys[i]; i++)
		if ((rc = gitconfig_get_path(cfg, formats[s->format].program_keys[i],
					     &s->program)) < 0 || s->program)
			return rc;
	s->program = xstrdup(formats[s->format].program);
	return 0;
}

/* "key::<key>" or "ssh-...": a public key given as it is. */
static const char *literal_ssh_key(const char *key)
{
	if (!strncmp(key, "key::", 5))
		return key + 5;
	if (!strncmp(key, "ssh-", 4))
		return key;
	return NULL;
}

/* The first line gpg.ssh.defaultKeyCommand prints, which must be a key. */
static int default_ssh_key(char **out, git_config *cfg)
{
	const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	struct exec_prog prog = EXEC_PROG_INIT;
	struct strbuf key = STRBUF_INIT, err = STRBUF_INIT;
	struct exec_result res;
	char *command = NULL;
	int rc;

	if ((rc = gitconfig_get_string(cfg, "gpg.ssh.defaultKeyCommand",
				       &command)) < 0)
		return rc;
	if (!command) {
		rc = graft_error("either user.signingkey or gpg.ssh.defaultKeyCommand needs to be configured");
		graft_error_hint("gpg.format is ssh: set user.signingKey to your key file, e.g. ~/.ssh/id_ed25519.pub");
		return rc;
	}
	argv[2] = command;
	prog.argv = argv;
	prog.out = &key;
	prog.err = &err;
	if ((rc = exec_prog(&prog, &res)) < 0)
		goto done;
	key.len = strcspn(key.buf, "\n");
	key.buf[key.len] = '\0';
	if (!exec_succeeded(&res))
		rc = graft_error("gpg.ssh.defaultKeyCommand failed: %s %s",
				 err.buf, key.buf);
	else if (!literal_ssh_key(key.buf))
		rc = graft_error("gpg.ssh.defaultKeyCommand succeeded but returned no keys: %s %s",
				 err.buf, key.buf);
	else
		*out = strbuf_detach(&key);
done:
	free(command);
	strbuf_release(&key);
	strbuf_release(&err);
	return rc;
}

/* An ssh key file: "~/" expanded, and there. */
static int ssh_key_file(char **key)
{
	struct strbuf sb = STRBUF_INIT;
	const char *home = getenv("HOME");
	int rc = 0;

	if (!strncmp(*key, "~/", 2) && home) {
		strbuf_addf(&sb, "%s%s", home, *key + 1);
		free(*key);
		*key = strbuf_detach(&sb);
	}
	if (access(*key, R_OK) < 0) {
		rc = graft_error("cannot read the ssh signing key '%s': %s", *key,
				 strerror(errno));
		graft_error_hint("user.signingKey names the key file (or gives the key as key::<public key>)");
	}
	return rc;
}

int signer_init(struct signer *s, git_config *cfg, const char *key,
		const git_signature *committer)
{
	struct strbuf ident = STRBUF_INIT;
	int rc;

	*s = (struct signer)SIGNER_INIT;
	if ((rc = read_format(&s->format, cfg)) < 0 ||
	    (rc = read_program(s, cfg)) < 0)
		return rc;
	if (key && *key)
		s->key = xstrdup(key);
	else if ((rc = gitconfig_get_string(cfg, "user.signingKey", &s->key)) < 0)
		return rc;
	if (!s->key && s->format == SIGN_SSH) {
		if ((rc = default_ssh_key(&s->key, cfg)) < 0)
			return rc;
	} else if (!s->key) {
		strbuf_addf(&ident, "%s <%s>", committer->name, committer->email);
		s->key = strbuf_detach(&ident);
	}
	if (s->format == SIGN_SSH && !literal_ssh_key(s->key))
		return ssh_key_file(&s->key);
	return 0;
}

void signer_release(struct signer *s)
{
	free(s->program);
	free(s->key);
	*s = (struct signer)SIGNER_INIT;
}

/* The message for a signer that failed: "<program> failed to sign the data:". */
static int sign_failed(const struct signer *s, const struct exec_result *res,
		       const char *said)
{
	struct strbuf how = STRBUF_INIT, text = STRBUF_INIT;
	int rc;

	if (!exec_succeeded(res)) {
		strbuf_addstr(&how, " (it ");
		exec_describe(res, NULL, &how);
		strbuf_addch(&how, ')');
	}
	strbuf_addstr(&text, *said ? said : "(no output)");
	strbuf_rtrim(&text);
	rc = graft_error("%s failed to sign the data%s:\n%s", s->program, how.buf,
			 text.buf);
	strbuf_release(&how);
	strbuf_release(&text);
	return rc;
}

static int sign_gpg(const struct signer *s, struct strbuf *signature,
		    const char *payload, size_t len)
{
	const char *argv[] = { s->program, "--status-fd=2", "-bsau", s->key,
			       NULL };
	struct exec_prog prog = EXEC_PROG_INIT;
	struct strbuf status = STRBUF_INIT;
	struct exec_result res;
	const char *p;
	int rc, created = 0;

	prog.argv = argv;
	prog.input = payload;
	prog.input_len = len;
	prog.out = signature;
	prog.err = &status;
	if ((rc = exec_prog(&prog, &res)) < 0)
		goto done;
	/* gpg's status lines say whether it signed, as git checks them */
	for (p = status.buf; (p = strstr(p, "[GNUPG:] SIG_CREATED ")); p++)
		if (p == status.buf || p[-1] == '\n') {
			created = 1;
			break;
		}
	if (!exec_succeeded(&res) || !created)
		rc = sign_failed(s, &res, status.buf);
done:
	strbuf_release(&status);
	return rc;
}

/* A temporary file holding data, its path in *path. */
static int temp_file(struct strbuf *path, const char *what, const char *data,
		     size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd, rc = 0;

	strbuf_addf(path, "%s/.git_signing_%s_tmpXXXXXX",
		    dir && *dir ? dir : "/tmp", what);
	if ((fd = mkstemp(path->buf)) < 0) {
		rc = graft_error("cannot create a temporary file %s: %s",
				 path->buf, strerror(errno));
		strbuf_reset(path);
		return rc;
	}
	if (write_in_full(fd, data, len) < 0 || close(fd) < 0) {
		rc = graft_error("cannot write %s: %s", path->buf, strerror(errno));
		close(fd);
	}
	return rc;
}

static int sign_ssh(const struct signer *s, struct strbuf *signature,
		    const char *payload, size_t len)
{
	const char *literal = literal_ssh_key(s->key);
	const char *argv[10];
	struct exec_prog prog = EXEC_PROG_INIT;
	struct strbuf key_file = STRBUF_INIT, buffer_file = STRBUF_INIT;
	struct strbuf sig_file = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	struct exec_result res;
	size_t n = 0;
	int rc;

	if ((literal && (rc = temp_file(&key_file, "key", literal,
					strlen(literal))) < 0) ||
	    (rc = temp_file(&buffer_file, "buffer", payload, len)) < 0)
		goto done;
	argv[n++] = s->program;
	argv[n++] = "-Y";
	argv[n++] = "sign";
	argv[n++] = "-n";
	argv[n++] = "git";
	argv[n++] = "-f";
	argv[n++] = literal ? key_file.buf : s->key;
	/* the private key of a literal public key is ssh-agent's */
	if (literal)
		argv[n++] = "-U";
	argv[n++] = buffer_file.buf;
	argv[n] = NULL;
	prog.argv = argv;
	prog.out = &out;
	prog.err = &err;
	if ((rc = exec_prog(&prog, &res)) < 0)
		goto done;
	if (!exec_succeeded(&res)) {
		rc = sign_failed(s, &res, err.buf);
		if (strstr(err.buf, "usage:"))
			graft_error_hint("ssh-keygen -Y sign is needed for ssh signing (available in openssh version 8.2p1+)");
		goto done;
	}
	strbuf_addf(&sig_file, "%s.sig", buffer_file.buf);
	if ((rc = file_read(sig_file.buf, signature, NULL)) < 0)
		graft_error_prefix("cannot read the signature %s wrote", s->program);
done:
	if (key_file.len)
		unlink(key_file.buf);
	if (buffer_file.len)
		unlink(buffer_file.buf);
	if (sig_file.len)
		unlink(sig_file.buf);
	strbuf_release(&key_file);
	strbuf_release(&buffer_file);
	strbuf_release(&sig_file);
	strbuf_release(&out);
	strbuf_release(&err);
	return rc;
}

int signer_sign(const struct signer *s, struct strbuf *signature,
		const char *payload, size_t len)
{
	if (s->format == SIGN_SSH)
		return sign_ssh(s, signature, payload, len);
	return sign_gpg(s, signature, payload, len);
}

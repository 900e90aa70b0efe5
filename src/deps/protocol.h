#ifndef GRAFT_PROTOCOL_H
#define GRAFT_PROTOCOL_H

#include <git2.h>

/*
 * Which transports a clone or fetch may use, decided as git decides
 * (transport.c, is_transport_allowed):
 *
 *  - GIT_ALLOW_PROTOCOL, when set, is the whole list (colon-separated);
 *  - else protocol.<name>.allow, else protocol.allow, else git's default:
 *    http, https, git and ssh "always", ext "never", any other (file
 *    among them) "user";
 *  - "user" allows it when the user asked for the transfer themselves:
 *    unless GIT_PROTOCOL_FROM_USER says 0, as git submodule and other
 *    programs that act on URLs from files set it for what they run.
 *
 * git-graft runs on the user's command: its transfers count as the
 * user's own, as `git clone` and `git fetch` do, so local sources work
 * out of the box while protocol.file.allow=never refuses them.
 */

/*
 * The transport git would use for url: "file" for a local path or
 * file://, the scheme of any other URL ("https"; "ssh" for git+ssh:// and
 * ssh+git://), "ssh" for scp-like host:path, the helper of
 * "<helper>::<address>". Caller frees.
 */
char *protocol_name(const char *url);

/*
 * 0 when cfg (the repository's config, may be NULL) and the environment
 * allow url's transport; otherwise git's "transport '<name>' not allowed"
 * with a hint naming the setting that refuses it. An invalid value of a
 * protocol setting is an error naming it.
 */
int protocol_check(const char *url, git_config *cfg);

#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "alloc.h"
#include "error.h"
#include "snapshot/packwrite.h"

#define PACK_VERSION 2
#define SHA1_LEN 20

struct pack_stream {
	git_odb_writepack *wp;
	git_indexer_progress progress;
	EVP_MD_CTX *sha;	/* the trailer: SHA-1 of everything before it */
};

static int stream_add(struct pack_stream *ps, const void *data, size_t len,
		      int hashed)
{
	if (hashed && !EVP_DigestUpdate(ps->sha, data, len))
		return graft_error("cannot write the snapshot's pack: SHA-1 failed");
	if (ps->wp->append(ps->wp, data, len, &ps->progress) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot write the snapshot's pack");
	return 0;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* An entry's header: type and size, 4 bits then 7 bits a byte. */
static size_t entry_header(unsigned char *out, git_object_t type, size_t size)
{
	size_t n = 0;
	unsigned char c = (unsigned char)(((unsigned)type << 4) | (size & 15));

	size >>= 4;
	while (size) {
		out[n++] = c | 0x80;
		c = (unsigned char)(size & 0x7f);
		size >>= 7;
	}
	out[n++] = c;
	return n;
}

static int add_object(struct pack_stream *ps, git_odb *src, const git_oid *id)
{
	unsigned char header[16];
	git_odb_object *obj = NULL;
	unsigned char *deflated = NULL;
	uLongf deflated_len;
	size_t size;
	int rc;

	if (git_odb_read(&obj, src, id) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read object %s",
				       git_oid_tostr_s(id));
	size = git_odb_object_size(obj);
	deflated_len = compressBound((uLong)size);
	deflated = xmalloc(deflated_len);
	if (compress2(deflated, &deflated_len, git_odb_object_data(obj),
		      (uLong)size, Z_BEST_SPEED) != Z_OK) {
		rc = graft_error("cannot compress object %s", git_oid_tostr_s(id));
		goto done;
	}
	if ((rc = stream_add(ps, header,
			     entry_header(header, git_odb_object_type(obj), size),
			     1)) == 0)
		rc = stream_add(ps, deflated, deflated_len, 1);
done:
	free(deflated);
	git_odb_object_free(obj);
	return rc;
}

int pack_write_objects(git_odb *dest, git_odb *src, const git_oid *ids,
		       size_t nr)
{
	struct pack_stream ps;
	unsigned char head[12], trailer[SHA1_LEN];
	unsigned int trailer_len;
	size_t i;
	int rc = 0;

	if (nr > UINT32_MAX)
		return graft_error("too many objects for one pack");
	memset(&ps, 0, sizeof(ps));
	if (!(ps.sha = EVP_MD_CTX_new()) ||
	    !EVP_DigestInit_ex(ps.sha, EVP_sha1(), NULL)) {
		rc = graft_error("cannot write the snapshot's pack: SHA-1 unavailable");
		goto done;
	}
	if (git_odb_write_pack(&ps.wp, dest, NULL, NULL) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot write the snapshot's pack");
		goto done;
	}
	memcpy(head, "PACK", 4);
	put_be32(head + 4, PACK_VERSION);
	put_be32(head + 8, (uint32_t)nr);
	if ((rc = stream_add(&ps, head, sizeof(head), 1)) < 0)
		goto done;
	for (i = 0; i < nr && rc == 0; i++)
		rc = add_object(&ps, src, &ids[i]);
	if (rc < 0)
		goto done;
	if (!EVP_DigestFinal_ex(ps.sha, trailer, &trailer_len) ||
	    trailer_len != SHA1_LEN) {
		rc = graft_error("cannot write the snapshot's pack: SHA-1 failed");
		goto done;
	}
	if ((rc = stream_add(&ps, trailer, SHA1_LEN, 0)) < 0)
		goto done;
	if (ps.wp->commit(ps.wp, &ps.progress) < 0)
		rc = graft_error_git(GRAFT_EFAIL, "cannot write the snapshot's pack");
done:
	if (ps.wp)
		ps.wp->free(ps.wp);
	EVP_MD_CTX_free(ps.sha);
	return rc;
}

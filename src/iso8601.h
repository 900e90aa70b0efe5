#ifndef GRAFT_ISO8601_H
#define GRAFT_ISO8601_H

#include <stddef.h>
#include <time.h>

/*
 * Dates as git-graft writes them where a person reads them too (a
 * graft.lock's consumed_at, a snapshot's Graft-Time): ISO 8601 in UTC,
 * YYYY-MM-DDTHH:MM:SSZ, which sorts as it reads.
 */

/* t as YYYY-MM-DDTHH:MM:SSZ, in buf (at least 21 bytes). */
void iso8601_format(char *buf, size_t size, time_t t);

/* The current time, as iso8601_format writes it. */
void iso8601_now(char *buf, size_t size);

/*
 * 1 if s is an ISO 8601 date-time, YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM):
 * what iso8601_format writes, and what a person or another tool may
 * write instead.
 */
int is_iso8601(const char *s);

#endif

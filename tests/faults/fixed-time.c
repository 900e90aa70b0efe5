/*
 * Preloaded into git-graft by tests/faults/run: the wall clock stands
 * still at GRAFT_FAULTS_TIME (seconds since the epoch). git-graft writes
 * the time into the snapshot's message and graft.lock, so without this
 * the ids of the objects it writes change from one run to the next, and
 * with them which objects/XX directories it must create: the Nth mkdir
 * or openat would not be the same call in every run of a point.
 * CLOCK_MONOTONIC is left alone, so timeouts still work.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static time_t fixed_now(void)
{
	const char *s = getenv("GRAFT_FAULTS_TIME");

	return s && *s ? (time_t)strtoll(s, NULL, 10) : (time_t)1112911993;
}

time_t time(time_t *out)
{
	time_t now = fixed_now();

	if (out)
		*out = now;
	return now;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	(void)tz;
	tv->tv_sec = fixed_now();
	tv->tv_usec = 0;
	return 0;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);

	if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE) {
		ts->tv_sec = fixed_now();
		ts->tv_nsec = 0;
		return 0;
	}
	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT,
								    "clock_gettime");
	return real(id, ts);
}

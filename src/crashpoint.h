#ifndef GRAFT_CRASHPOINT_H
#define GRAFT_CRASHPOINT_H

/*
 * Test seam: with GRAFT_TEST_CRASH_AT=<step>, die at step as kill -9 or
 * a power cut would, so that tests can see what a crash there leaves
 * for `git graft rollback` and the next command. Without the variable
 * it does nothing.
 */
void crash_point(const char *step);

#endif

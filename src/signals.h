#ifndef GRAFT_SIGNALS_H
#define GRAFT_SIGNALS_H

#include <signal.h>

/*
 * Hold SIGHUP, SIGINT, SIGQUIT and SIGTERM back while changes that belong
 * together are made (checkout, lock, index): an interrupt then comes
 * after them, not between them.
 */
void signals_hold(sigset_t *saved);
void signals_release(const sigset_t *saved);

#endif

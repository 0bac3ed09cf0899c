// SPDX-License-Identifier: GPL-2.0
/* What the server and client agents share. */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>

#include "agents/agent.h"

const char *agent_outcome_str(enum attempt_outcome o)
{
	static const char *const names[ATT__MAX] = {
		[ATT_OK] = "ok",
		[ATT_TIMEOUT] = "timeout",
		[ATT_REFUSED] = "refused",
		[ATT_RESET] = "reset",
		[ATT_ERROR] = "error",
	};

	if ((unsigned int)o >= ATT__MAX)
		return "unknown";
	return names[o];
}

uint64_t agent_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int agent_signalfd(void)
{
	sigset_t mask;
	int fd;

	/* SIGPIPE stays blocked so a write to a closed peer or records pipe is just EPIPE. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	sigdelset(&mask, SIGPIPE);
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

void agent_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

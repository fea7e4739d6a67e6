// SPDX-License-Identifier: MIT
/*
 * common.c - see common.h. Nothing here calls libo2dlm except
 * error_message() (com_err), which turns an errcode_t into text.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

const char *prog = "o2dlm-example";

void say(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", prog);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

errcode_t step(errcode_t err, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", prog);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (err)
		printf(": failed: %s\n", error_message(err));
	else
		printf(": ok\n");
	fflush(stdout);
	return err;
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", prog);
	exit(EXIT_USAGE);
}

void option_error(int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		usage_error("option '%s' needs a value", arg);
	if (optopt && !strncmp(arg, "--", 2) && strchr(arg, '='))
		usage_error("option '%s' takes no value", arg);
	if (optopt)
		usage_error("unknown option '-%c'", optopt);
	usage_error("unknown option '%s'", arg);
}

enum o2dlm_lock_level parse_level(const char *arg)
{
	if (!strcasecmp(arg, "pr"))
		return O2DLM_LEVEL_PRMODE;
	if (!strcasecmp(arg, "ex"))
		return O2DLM_LEVEL_EXMODE;
	usage_error("level '%s': want pr or ex", arg);
}

const char *level_name(enum o2dlm_lock_level level)
{
	return level == O2DLM_LEVEL_EXMODE ? "EX" : "PR";
}

int parse_seconds(const char *opt, const char *arg)
{
	char *end;
	long v;

	if (!strcmp(arg, "forever"))
		return FOREVER;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > INT_MAX ||
	    !isdigit((unsigned char)arg[0]))
		usage_error("%s '%s': want whole seconds or 'forever'", opt,
			    arg);
	return (int)v;
}

const char *seconds_str(int seconds)
{
	static char buf[32];

	if (seconds == FOREVER)
		return "forever";
	snprintf(buf, sizeof(buf), "%d s", seconds);
	return buf;
}

static void block_signals(sigset_t *set, sigset_t *old)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigprocmask(SIG_BLOCK, set, old);
}

int hold(int seconds)
{
	struct timespec ts = { .tv_sec = seconds };
	sigset_t set, old;
	int sig;

	/*
	 * Blocked signals stay pending instead of killing us, and
	 * sigtimedwait() collects them: no handler, no race.
	 */
	block_signals(&set, &old);
	do {
		if (seconds == FOREVER)
			sig = sigwaitinfo(&set, NULL);
		else
			sig = sigtimedwait(&set, NULL, &ts);
	} while (sig < 0 && errno == EINTR);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return sig < 0 ? 0 : sig;
}

int signals_fd(void)
{
	sigset_t set, old;
	int sfd;

	block_signals(&set, &old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return sfd;
}

void signals_restore(int sfd)
{
	sigset_t set;

	if (sfd < 0)
		return;
	close(sfd);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * common.h - plumbing shared by the o2dlm examples, so that each
 * o2dlm-*.c shows only libo2dlm: one printed line per step, the option
 * values (levels, durations), the command-line errors, and holding a lock
 * until a timeout or Ctrl-C/SIGTERM.
 */
#ifndef O2DLM_EXAMPLES_COMMON_H
#define O2DLM_EXAMPLES_COMMON_H

#include <o2dlm/o2dlm.h>

/* exit codes every example uses; 4 and up are the program's own */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_BUSY	3	/* a trylock was refused: another node has the lock */

/* defaults of the options every example takes */
#define DEFAULT_MOUNT	"/dlm"
#define DEFAULT_DOMAIN	"o2dlm-example"
#define DEFAULT_LOCK	"example-lock"

#define FOREVER		(-1)	/* a duration of "forever" */

extern const char *prog;	/* set by each main(): "o2dlm-lock", ... */

/* print "prog: <what>" */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * print "prog: <what>: ok" or "prog: <what>: failed: <com_err message>"
 * and return err, so a call reads: if (step(o2dlm_foo(...), "foo")) ...
 */
errcode_t step(errcode_t err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* one line on stderr, then exit(EXIT_USAGE) */
void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* getopt_long returned '?' or ':' (with opterr = 0 and ":" optstring) */
void option_error(int c, char **argv) __attribute__((noreturn));

/* "pr"/"ex" (any case) -> level; exits with a usage error otherwise */
enum o2dlm_lock_level parse_level(const char *arg);
const char *level_name(enum o2dlm_lock_level level);

/* whole seconds or "forever" (FOREVER); exits with a usage error otherwise */
int parse_seconds(const char *opt, const char *arg);
/* "5 s" or "forever", for messages */
const char *seconds_str(int seconds);

/*
 * sleep for 'seconds' (FOREVER: no limit) unless SIGINT or SIGTERM comes
 * first; returns that signal's number, or 0 when the time ran out.
 */
int hold(int seconds);

/*
 * for a program's own poll() loop: block SIGINT and SIGTERM and return a
 * signalfd that becomes readable when one arrives (-1 on error);
 * signals_restore() closes it and unblocks them again.
 */
int signals_fd(void);
void signals_restore(int sfd);

#endif

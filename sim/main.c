/* SPDX-License-Identifier: MIT */
/*
 * main.c - the dlmfs-sim command line: `run` executes scenarios on the
 * model, `explore` and `bench` belong to sim/explore.c and sim/bench.c.
 *
 * Exit status: 0 all passed or skipped, 1 a scenario failed, 2 bad usage
 * or a scenario file that cannot be read or parsed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm.h"
#include "exec.h"
#include "scn.h"
#include "target.h"
#include "trace.h"

#if __has_include("explore.h")
#include "explore.h"
#include "explore_int.h"
#define HAVE_EXPLORE 1
#endif
#if __has_include("bench.h")
#include "bench.h"
#define HAVE_BENCH 1
#endif

struct run_opts {
	bool trace, by_rule;
	const char *svg;
	const char *profile;
	unsigned bugs;
};

/* one scenario's outcome, for --by-rule */
struct outcome {
	const char *file;
	enum exec_verdict v;
	int nrules;
	char rules[SCN_RULES_MAX][8];
};

static void usage(FILE *f)
{
	const struct dm_profile *p;

	fprintf(f,
		"usage: dlmfs-sim run [options] FILE...\n"
		"       dlmfs-sim explore --seed S [options]   (dlmfs-sim explore --help)\n"
		"       dlmfs-sim bench [options]              (dlmfs-sim bench --help)\n"
		"\n"
		"run: execute scenario files on the model; prints PASS/FAIL/SKIP per\n"
		"file and 'N passed, N failed, N skipped'. Exit 0, 1 on a failure,\n"
		"2 on bad usage or an unreadable/unparsable file.\n"
		"  --trace         print each statement and model event with every\n"
		"                  node's lock state (default: off)\n"
		"  --svg OUT       write an SVG timeline to OUT; with several files\n"
		"                  OUT-<scenario>.svg (default: none)\n"
		"  --by-rule       also print spec rule -> scenario -> verdict\n"
		"                  (default: off)\n"
		"  --profile NAME  run every scenario as this kernel profile; those\n"
		"                  pinning others are skipped (default: the\n"
		"                  scenario's first profile, else %s, or\n"
		"                  linux-6-user for stack=user)\n"
		"  --bug NAME[,NAME]  plant model bugs, as explore --bug does, to\n"
		"                  replay an explorer reproducer (default: none)\n"
		"  -h, --help      this help\n"
		"  profiles:", DM_PROFILE_DEFAULT);
	for (p = dm_profiles; p->name; p++)
		fprintf(f, " %s", p->name);
	fprintf(f, "\n");
}

#ifdef HAVE_EXPLORE
/*
 * explore --help: every flag with its default, read from
 * explore_opts_default(); the profile and bug lists come from explore's
 * own usage text, so neither can drift from sim/explore.c.
 */
static void explore_usage(FILE *f, const char *lists)
{
	struct explore_opts o;

	explore_opts_default(&o);
	fprintf(f,
		"usage: dlmfs-sim explore --seed S [options]\n"
		"Drive the model with a seeded random schedule of actor calls, event\n"
		"deliveries and (with --faults) node crashes; every invariant is checked\n"
		"after every step, and a violation is minimized into a scenario. The same\n"
		"seed and build give the same run. Exit 0 clean, 1 an invariant failed,\n"
		"2 bad usage.\n"
		"  --seed S          the PRNG seed, any 64-bit number (required)\n"
		"  --nodes N         cluster nodes, 1..%d (default: %d)\n"
		"  --actors N        processes, pinned round-robin to nodes, 1..%d\n"
		"                    (default: %d)\n"
		"  --locks N         lock names per domain, 1..%d (default: %d)\n"
		"  --domains N       domains, 1..%d (default: %d)\n"
		"  --steps K         steps to run, 1..10000000000 (default: %llu)\n"
		"  --faults          crash and restart nodes (default: off)\n"
		"  --profile NAME    kernel profile (default: %s)\n"
		"  --hash            print the FNV-1a digest of the whole trace\n"
		"                    (default: off)\n"
		"  --quiet           no status lines, no hang lines (default: off)\n"
		"  --repro-dir DIR   where a minimized reproducer is written, relative\n"
		"                    to the current directory (default: %s)\n"
		"  --no-minimize     report a violation without minimizing it\n"
		"                    (default: minimize)\n"
		"  --drain-every N   steps between drains with hang analysis,\n"
		"                    1..1000000000 (default: %llu)\n"
		"  --bug NAME[,NAME] plant model bugs, to test the checker\n"
		"                    (default: none)\n"
		"  -h, --help        this help\n"
		"%s",
		DM_MAX_NODES, o.nodes, X_MAX_ACTORS, o.actors, X_MAX_LOCKS,
		o.locks, X_MAX_DOMS, o.domains, (unsigned long long)o.steps,
		o.prof ? o.prof->name : DM_PROFILE_DEFAULT, o.repro_dir,
		(unsigned long long)o.drain_every, lists);
}

/* explore's own parser decides whether help was asked for */
static int explore_cmd(int argc, char **argv)
{
	struct explore_opts o;
	char err[256], *text = NULL, *lists;
	size_t len = 0;
	FILE *mem;
	int rc;

	mem = open_memstream(&text, &len);
	if (!mem)
		return explore_main(argc, argv);
	explore_opts_default(&o);
	o.out = mem;
	rc = explore_parse(argc, argv, &o, err, sizeof(err));
	fclose(mem);
	if (rc != 1) {
		free(text);
		return explore_main(argc, argv);
	}
	lists = text ? strstr(text, "  profiles:") : NULL;
	explore_usage(stdout, lists ? lists : "");
	free(text);
	return 0;
}
#endif

#ifdef HAVE_BENCH
/* bench --help (sim/bench.c parses the flags; defaults from bench.h) */

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: dlmfs-sim bench [--ops N] [--steps N]\n"
		"Measure model and explorer throughput (README numbers). Exit 0, 2 bad\n"
		"usage.\n"
		"  --ops N     cached open+close calls on the model, 1000..1000000000\n"
		"              (default: %d)\n"
		"  --steps N   explore steps per rate measured, 1000..1000000000\n"
		"              (default: %d)\n"
		"  -h, --help  this help\n", BENCH_OPS_DEFAULT, BENCH_STEPS_DEFAULT);
}

/* bench's flags take numbers only, so -h is never a flag's value */
static int bench_cmd(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			bench_usage(stdout);
			return 0;
		}
	}
	return bench_main(argc, argv);
}
#endif

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "dlmfs-sim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see dlmfs-sim --help)\n");
	return 2;
}

static void hook_before(void *arg, const struct scn *s,
			const struct scn_stmt *st, const char *text)
{
	(void)s;
	trace_stmt(arg, st->line, text);
}

static void hook_after(void *arg, const struct scn *s,
		       const struct scn_stmt *st, const char *got, bool ok)
{
	(void)s;
	(void)st;
	trace_result(arg, got, ok);
}

/* OUT for one file; OUT-<stem>.svg when several */
static int svg_path(const char *out, const char *file, bool many, char *buf,
		    size_t len)
{
	const char *base = strrchr(file, '/');
	size_t ol = strlen(out), bl;

	if (!many)
		return snprintf(buf, len, "%s", out) >= (int)len ? -1 : 0;
	base = base ? base + 1 : file;
	bl = strlen(base);
	if (bl > 4 && !strcmp(base + bl - 4, ".scn"))
		bl -= 4;
	if (ol > 4 && !strcmp(out + ol - 4, ".svg"))
		ol -= 4;
	return snprintf(buf, len, "%.*s-%.*s.svg", (int)ol, out, (int)bl,
			base) >= (int)len ? -1 : 0;
}

static int write_svg(struct trace *tr, const char *path)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f) {
		fprintf(stderr, "dlmfs-sim: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	rc = trace_svg(tr, f);
	if (fclose(f) || rc) {
		fprintf(stderr, "dlmfs-sim: error writing %s\n", path);
		return -1;
	}
	return 0;
}

static int rule_rank(const char *r)
{
	static const char order[] = "NOLXVPATCM";
	const char *p = strchr(order, r[0]);

	return (int)((p ? p - order : 10) * 10000 + atoi(r + 1));
}

static int cmp_rule(const void *a, const void *b)
{
	const char *x = a, *y = b;
	int d = rule_rank(x) - rule_rank(y);

	return d ? d : strcmp(x, y);
}

static void print_by_rule(const struct outcome *o, size_t n)
{
	static const char *const vn[] = { "PASS", "FAIL", "SKIP" };
	char (*rules)[8] = calloc(n * SCN_RULES_MAX + 1, sizeof(*rules));
	size_t nr = 0;

	if (!rules)
		return;
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < o[i].nrules; j++) {
			bool seen = false;

			for (size_t k = 0; k < nr && !seen; k++)
				seen = !strcmp(rules[k], o[i].rules[j]);
			if (!seen)
				strcpy(rules[nr++], o[i].rules[j]);
		}
	qsort(rules, nr, sizeof(*rules), cmp_rule);
	printf("\nrule  verdict  scenario\n");
	for (size_t k = 0; k < nr; k++) {
		bool first = true;

		for (size_t i = 0; i < n; i++)
			for (int j = 0; j < o[i].nrules; j++) {
				if (strcmp(o[i].rules[j], rules[k]))
					continue;
				printf("%-5s %-8s %s\n", first ? rules[k] : "",
				       vn[o[i].v], o[i].file);
				first = false;
			}
	}
	free(rules);
}

static int run_files(const struct run_opts *ro, char **files, int n)
{
	struct tm_opts to = { .profile = ro->profile, .bugs = ro->bugs };
	int counts[3] = { 0, 0, 0 }, rc = 0;
	struct outcome *out = calloc((size_t)n + 1, sizeof(*out));
	struct trace *tr = NULL;
	struct target *t = NULL;
	struct exec_hooks hooks;

	if (ro->trace || ro->svg) {
		tr = trace_new(ro->trace ? stdout : NULL, ro->svg != NULL);
		to.trace = tr;
	}
	t = target_model_new(&to);
	if (!out || !t || ((ro->trace || ro->svg) && !tr)) {
		fprintf(stderr, "dlmfs-sim: out of memory\n");
		rc = 2;
		goto out;
	}
	hooks = (struct exec_hooks){ hook_before, hook_after, tr };
	for (int i = 0; i < n; i++) {
		struct exec_report rep;
		char err[1024], path[4096];
		struct scn *s;

		out[i].file = files[i];
		out[i].v = EXEC_FAIL;
		if (scn_parse_file(files[i], &s, err, sizeof(err))) {
			printf("FAIL %s\n", err);
			counts[EXEC_FAIL]++;
			rc = 2;
			continue;
		}
		out[i].nrules = s->nrules;
		memcpy(out[i].rules, s->rules, sizeof(s->rules));
		trace_begin(tr, s->title ? s->title : files[i]);
		if (exec_run(s, t, tr ? &hooks : NULL, &rep)) {
			fprintf(stderr, "dlmfs-sim: out of memory\n");
			scn_free(s);
			rc = 2;
			break;
		}
		out[i].v = rep.verdict;
		counts[rep.verdict]++;
		if (rep.verdict == EXEC_PASS)
			printf("PASS %s\n", files[i]);
		else if (rep.verdict == EXEC_SKIP)
			printf("SKIP %s: %s\n", files[i], rep.reason);
		else
			printf("FAIL %s\n", rep.reason);
		if (rep.verdict == EXEC_FAIL && !rc)
			rc = 1;
		if (ro->svg && rep.verdict != EXEC_SKIP) {
			if (svg_path(ro->svg, files[i], n > 1, path, sizeof(path)) ||
			    write_svg(tr, path))
				rc = 2;
		}
		fflush(stdout);
		scn_free(s);
	}
	if (ro->by_rule)
		print_by_rule(out, (size_t)n);
	printf("%d passed, %d failed, %d skipped\n", counts[EXEC_PASS],
	       counts[EXEC_FAIL], counts[EXEC_SKIP]);
out:
	target_model_free(t);
	trace_free(tr);
	free(out);
	return rc;
}

static int run_main(int argc, char **argv)
{
	struct run_opts ro = { 0 };
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--trace")) {
			ro.trace = true;
		} else if (!strcmp(a, "--by-rule")) {
			ro.by_rule = true;
		} else if (!strcmp(a, "--bug")) {
			char err[128];

			if (i + 1 >= argc)
				return bad_usage("%s needs an argument", a);
			if (explore_parse_bugs(argv[++i], &ro.bugs, err,
					       sizeof(err)))
				return bad_usage("%s", err);
		} else if (!strcmp(a, "--svg") || !strcmp(a, "--profile")) {
			if (i + 1 >= argc)
				return bad_usage("%s needs an argument", a);
			if (a[2] == 's')
				ro.svg = argv[++i];
			else
				ro.profile = argv[++i];
		} else {
			return bad_usage("unknown option '%s'", a);
		}
	}
	if (ro.profile && !dm_profile_find(ro.profile))
		return bad_usage("unknown profile '%s'", ro.profile);
	if (i >= argc)
		return bad_usage("%s", "run needs at least one scenario file");
	return run_files(&ro, argv + i, argc - i);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return bad_usage("%s", "no command (run, explore, bench)");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return run_main(argc - 1, argv + 1);
#ifdef HAVE_EXPLORE
	if (!strcmp(argv[1], "explore"))
		return explore_cmd(argc - 1, argv + 1);
#endif
#ifdef HAVE_BENCH
	if (!strcmp(argv[1], "bench"))
		return bench_cmd(argc - 1, argv + 1);
#endif
	if (argv[1][0] == '-')
		return bad_usage("unknown option '%s' (commands: run, explore, bench)",
				 argv[1]);
	return bad_usage("unknown command '%s' (run, explore, bench)", argv[1]);
}

/* SPDX-License-Identifier: MIT */
/*
 * tr_compat.c - the real target and dlmfs-fuse: actors on a dlmfs-fuse
 * node run with libdlmfs-compat.so preloaded (--compat), checked once by
 * an actor's statfs; the report says so; skip reasons say what would let
 * a scenario run, or that it is for the model only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm.h"
#include "tr_int.h"

const char *tr_preload(const struct tr *tr, const struct tr_node *n)
{
	return !n->exec && n->di.kind == DETECT_FUSE ? tr->o.compat : NULL;
}

int tr_compat_probe(struct tr *tr, int node, char *err, size_t len)
{
	struct tr_node *n = &tr->nodes[node];
	const char *so = tr_preload(tr, n);
	int ms = tr->o.timeout_ms < 5000 ? 5000 : tr->o.timeout_ms;
	char *line = NULL, want[32];
	struct chan ch;
	bool ok;
	int rc;

	if (!so)
		return 0;
	snprintf(want, sizeof(want), " type=0x%x ", (unsigned)DM_MAGIC);
	rc = chan_open_actor(&ch, n->spec, so);
	if (!rc)
		rc = chan_send(&ch, "probe statfs /");
	if (!rc)
		rc = chan_recv(&ch, "probe", CHAN_CALL, spawn_now_ms() + ms,
			       &line);
	ok = !rc && line && strstr(line, want);
	if (!ok)
		snprintf(err, len, "--compat %s: an actor on n%d (%s) does not "
			 "see the dlmfs magic: %s (--no-compat runs without it)",
			 so, node + 1, n->spec, rc ? strerror(-rc) :
			 line ? line : "no answer");
	free(line);
	chan_close(&ch, 100);
	return ok ? 0 : -EIO;
}

void tr_node_stack(const struct tr *tr, const struct tr_node *n, char *buf,
		   size_t len)
{
	const char *prof = tr->fuse_profile[0] ? tr->fuse_profile :
			   n->di.profile;
	const struct dm_profile *p = n->di.kind == DETECT_FUSE && prof[0] ?
				     dm_profile_find(prof) : NULL;

	if (n->di.stack[0])
		snprintf(buf, len, "%s", n->di.stack);
	else if (p)
		snprintf(buf, len, "%s (dlmfs-fuse profile %s)",
			 p->stack == DM_STACK_USER ? "user" : "o2cb", p->name);
	else
		snprintf(buf, len, "unknown");
}

void tr_compat_describe(const struct tr *tr, FILE *f, const char *prefix)
{
	bool fuse = false, blind = false;

	for (int n = 0; n < tr->nnodes; n++) {
		const struct tr_node *nd = &tr->nodes[n];

		blind |= nd->di.kind == DETECT_FUSE && !tr->fuse_profile[0] &&
			 !nd->di.profile[0];
		fuse |= !nd->exec && nd->di.kind == DETECT_FUSE;
	}
	if (blind && !tr->o.profile)
		fprintf(f, "%sthe dlmfs-fuse profile is not known (no --fuse-ctl,"
			" no xattr %s): taken as %s; give --fuse-ctl or "
			"--profile\n", prefix, DETECT_XATTR_PROFILE,
			tr->o.stack && !strcmp(tr->o.stack, "user") ?
			"linux-6-user" : "linux-6");
	if (!fuse)
		return;
	if (tr->o.compat)
		fprintf(f, "%sactors on dlmfs-fuse nodes: LD_PRELOAD=%s (their "
			"statfs magic is 0x%x)\n", prefix, tr->o.compat,
			(unsigned)DM_MAGIC);
	else
		fprintf(f, "%sactors on dlmfs-fuse nodes: no libdlmfs-compat.so"
			" (%s): A3, A5, O5 and V2 show FUSE's VFS\n", prefix,
			tr->o.compat_why ? tr->o.compat_why : "none given");
}

/* ---- skip reasons ---- */
static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static void add(char *why, size_t len, const char *fmt, const char *arg)
{
	size_t n = strlen(why);

	if (n + 1 < len)
		snprintf(why + n, len - n, fmt, arg);
}

void target_real_skip_hint(struct target *t, const struct scn *s, char *why,
			   size_t len)
{
	struct tr *tr = t->priv;
	bool raw = s->req.rawdlm, manual = s->req.manual || s->manual;
	bool fuse = false, same;
	char tmp[512];

	for (int n = 0; n < tr->nnodes; n++)
		fuse |= tr->nodes[n].di.kind == DETECT_FUSE;
	/* whichever requirement failed first, no real target can run it */
	if (raw || manual) {
		same = starts(why, "needs rawdlm") || starts(why, "needs a manual");
		snprintf(tmp, sizeof(tmp), "model only: needs %s (%s)%s%s",
			 raw ? "rawdlm" : "a manual schedule", raw ?
			 "an in-kernel DLM client beside dlmfs; no real target "
			 "offers one" : "the scenario delivers each AST and BAST "
			 "itself", same ? "" : "; first unmet here: ",
			 same ? "" : why);
		snprintf(why, len, "%s", tmp);
	} else if (starts(why, "needs hangs")) {
		add(why, len, " (--allow-hangs runs it%s)", "");
	} else if (!fuse) {
		return;
	} else if (starts(why, "pins ")) {
		add(why, len, " (a dlmfs-fuse with -o profile=%s runs it)",
		    s->req.nprofiles ? s->req.profiles[0] : "linux-6");
	} else if (starts(why, "needs stack=")) {
		add(why, len, " (a dlmfs-fuse with -o profile=%s runs it)",
		    !strcmp(s->req.stack, "user") ? "linux-6-user" : "linux-6");
	} else if (strstr(why, " nodes, the target has ")) {
		add(why, len, " (give dlmfs-fuse more mountpoints%s)", "");
	} else if (starts(why, "needs faults")) {
		add(why, len, " (dlmfs-fuse -o ctl=PATH, then --fuse-ctl "
		    "PATH%s)", "");
	} else if (starts(why, "needs nonroot")) {
		add(why, len, " (run as root; dlmfs-fuse -o allow_other%s)", "");
	}
}

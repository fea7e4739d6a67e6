// SPDX-License-Identifier: MIT
/*
 * explore_exec.c - execute one explorer record on the model: the call,
 * the completions it causes, the invariant checks after it and (when
 * writing a reproducer) the scenario statements it stands for; deliveries,
 * faults and the drained-state check (XR_CHECK). Replays run exactly this
 * code, so a reproducer says what the run did.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "explore_int.h"

/* ---- the calls ---- */
static int open_flags(const struct x_rec *r)
{
	return O_CREAT | ((r->oflags & XO_EX) ? O_RDWR : O_RDONLY) |
	       ((r->oflags & XO_NB) ? O_NONBLOCK : 0);
}

static bool exec_open(struct x_state *x, const struct x_rec *r, uint32_t ref,
		      const char *path)
{
	struct x_actor *a = &x->act[r->actor];
	int flags = open_flags(r), fh = -1, rc;
	int level = (r->oflags & XO_EX) ? DM_EX : DM_PR;
	struct scn_stmt *st;
	dm_op_id op = 0;

	if (a->nfd >= X_MAX_FDS)
		return false;
	rc = dm_sys_open(x->m, a->node, path, flags, 0644, &DM_CTX_ROOT, &fh,
			 &op);
	st = x_emit(x, SCN_V_OPEN, r->actor, a->node);
	x_set_path(x, st, path);
	if (st)
		st->flags = flags;
	if (rc == DM_PENDING) {
		a->pending = true;
		a->op = op;
		a->op_verb = XV_OPEN;
		a->op_ref = ref;
		a->op_level = (uint8_t)level;
		a->op_dom = r->dom;
		a->op_lk = r->lk;
		if (st)
			st->bg = true;
	} else if (rc == 0) {
		struct x_fd *f = x_add_fd(a, fh, ref, level);

		f->dom = r->dom;
		f->lk = r->lk;
		x->opens++;
		if (st) {
			st->exp.kind = SCN_E_FD;
			snprintf(st->exp.fd, sizeof(st->exp.fd), "%s", f->name);
		}
	} else {
		x_exp_rc(st, rc);
	}
	if (x->hashing)
		x_hash_i64(x, rc == 0 ? fh : rc);
	return true;
}

static const enum scn_verb fd_verbs[] = {
	[XV_CLOSE] = SCN_V_CLOSE, [XV_READ] = SCN_V_READ,
	[XV_PREAD] = SCN_V_PREAD, [XV_WRITE] = SCN_V_WRITE,
	[XV_PWRITE] = SCN_V_PWRITE, [XV_LSEEK] = SCN_V_LSEEK,
	[XV_POLL] = SCN_V_POLL,
};

static bool exec_fd(struct x_state *x, const struct x_rec *r, struct x_fd *f)
{
	struct x_actor *a = &x->act[r->actor];
	unsigned char buf[X_DATA_MAX], data[X_DATA_MAX];
	struct scn_stmt *st;
	int64_t rc = 0, pos;
	enum inv_id id;

	if (r->verb >= sizeof(fd_verbs) / sizeof(fd_verbs[0]) ||
	    !fd_verbs[r->verb])
		return false;
	st = x_emit(x, fd_verbs[r->verb], r->actor, a->node);
	if (st) {
		snprintf(st->fd, sizeof(st->fd), "%s", f->name);
		st->len = r->len;
		st->off = r->off;
		st->flags = r->whence;
	}
	switch (r->verb) {
	case XV_CLOSE:
		rc = dm_release(x->m, f->fh);
		x_exp_rc(st, rc);
		break;
	case XV_READ:
	case XV_PREAD:
		pos = r->verb == XV_READ ? dm_lseek(x->m, f->fh, 0, SEEK_CUR) :
		      r->off;
		rc = r->verb == XV_READ ? dm_read(x->m, f->fh, buf, r->len) :
		     dm_pread(x->m, f->fh, buf, r->len, r->off);
		x_exp_bytes(x, st, buf, (ssize_t)rc);
		id = inv_shadow_read(x->sh, x->m, f->fh, pos, buf, (ssize_t)rc,
				     x->why, sizeof(x->why));
		if (id && !x->viol)
			x->viol = id;
		if (x->hashing && rc > 0)
			x_hash_bytes(x, buf, (size_t)rc);
		break;
	case XV_WRITE:
	case XV_PWRITE:
		x_fill_data(r->dseed, data, r->len);
		rc = r->verb == XV_WRITE ? dm_write(x->m, f->fh, data, r->len) :
		     dm_pwrite(x->m, f->fh, data, r->len, r->off);
		if (rc > 0)
			inv_shadow_write(x->sh, x->m, f->fh, data, (size_t)rc);
		if (st)
			x_set_data(x, &st->data, data, r->len);
		x_exp_rc(st, rc);
		break;
	case XV_LSEEK:
		rc = dm_lseek(x->m, f->fh, r->off, r->whence);
		x_exp_rc(st, rc);
		break;
	default:	/* XV_POLL */
		rc = dm_poll(x->m, f->fh);
		x_exp_rc(st, rc);
		if (st && rc > 0)
			st->exp.kind = SCN_E_MASK;
		break;
	}
	if (r->verb == XV_CLOSE)
		x_drop_fd(a, f);
	if (x->hashing)
		x_hash_i64(x, rc);
	return true;
}

static bool exec_path_call(struct x_state *x, const struct x_rec *r,
			   uint32_t ref, const char *path)
{
	struct x_actor *a = &x->act[r->actor];
	struct scn_stmt *st = NULL;
	struct dm_stat sb;
	dm_op_id op = 0;
	int rc = 0;

	switch (r->verb) {
	case XV_UNLINK:
		rc = dm_sys_unlink(x->m, a->node, path, &DM_CTX_ROOT, &op);
		st = x_emit(x, SCN_V_UNLINK, r->actor, a->node);
		x_set_path(x, st, path);
		if (rc == DM_PENDING) {
			a->pending = true;
			a->op = op;
			a->op_verb = XV_UNLINK;
			a->op_ref = ref;
			if (st)
				st->bg = true;
			st = NULL;
		}
		break;
	case XV_MKDIR:
		rc = dm_sys_mkdir(x->m, a->node, path, 0755, &DM_CTX_ROOT);
		st = x_emit(x, SCN_V_MKDIR, r->actor, a->node);
		x_set_path(x, st, path);
		break;
	case XV_RMDIR:
		rc = dm_sys_rmdir(x->m, a->node, path, &DM_CTX_ROOT);
		st = x_emit(x, SCN_V_RMDIR, r->actor, a->node);
		x_set_path(x, st, path);
		break;
	case XV_STAT:
		rc = dm_sys_stat(x->m, a->node, path, &sb);
		st = x_emit(x, SCN_V_STAT, r->actor, a->node);
		x_set_path(x, st, path);
		if (st && rc == 0) {
			bool dir = S_ISDIR(sb.mode);

			st->exp.kind = SCN_E_FIELDS;
			st->exp.fields[0] = (struct scn_field){ SCN_F_TYPE,
							       sb.mode & S_IFMT };
			st->exp.fields[1] = (struct scn_field){
				dir ? SCN_F_NLINK : SCN_F_SIZE,
				dir ? (int64_t)sb.nlink : sb.size };
			st->exp.nfields = 2;
			st = NULL;
		}
		if (x->hashing && rc == 0)
			x_hash_i64(x, ((int64_t)sb.mode << 32) | sb.nlink);
		break;
	default:
		return false;
	}
	if (rc != DM_PENDING)
		x_exp_rc(st, rc);
	if (x->hashing)
		x_hash_i64(x, rc);
	return true;
}

static bool exec_call(struct x_state *x, const struct x_rec *r, uint32_t ref)
{
	struct x_actor *a;
	char path[32];

	if (r->actor >= x->nact)
		return false;
	a = &x->act[r->actor];
	if (a->pending || !dm_node_alive(x->m, a->node))
		return false;
	x_path(x, r->dom, r->lk, path, sizeof(path));
	switch (r->verb) {
	case XV_OPEN:
		return exec_open(x, r, ref, path);
	case XV_UNLINK:
	case XV_MKDIR:
	case XV_RMDIR:
	case XV_STAT:
		return exec_path_call(x, r, ref, path);
	default: {
		struct x_fd *f = x_find_fd(a, r->fdref);

		return f ? exec_fd(x, r, f) : false;
	}
	}
}

/* the first deliverable event of a kind for a node (and lock path) */
static bool exec_deliver(struct x_state *x, const struct x_rec *r)
{
	size_t n = dm_event_count(x->m), i;
	struct scn_stmt *st;
	char path[32];
	dm_ino ino = 0;

	if (r->dom != X_NONE) {
		x_path(x, r->dom, r->lk, path, sizeof(path));
		if (dm_resolve(x->m, r->node, path, &ino))
			return false;
	}
	for (i = 0; i < n; i++) {
		const struct dm_event *e = dm_event_at(x->m, i);

		if ((int)e->kind != r->ev || e->node != r->node ||
		    (r->dom != X_NONE && e->ino != ino) ||
		    !dm_event_deliverable(x->m, i))
			continue;
		dm_deliver(x->m, i);
		x->events++;
		st = x_emit(x, SCN_V_DELIVER, -1, r->node);
		if (st) {
			st->ev = r->ev;
			if (r->dom != X_NONE)
				x_set_path(x, st, path);
			x_exp_rc(st, 0);
		}
		return true;
	}
	return false;
}

/* "<prefix><small number>" -> the number, or -1 */
static int name_num(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	int v = 0;

	if (strncmp(s, prefix, n) || !s[n])
		return -1;
	for (s += n; *s; s++) {
		if (*s < '0' || *s > '9' || v > 999)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/*
 * Turn event i into a record: its kind, node and lock path - the same
 * "first deliverable of that kind for that node and path" a scenario's
 * `deliver` line names, so replays and reproducers pick the same event.
 */
void x_gen_deliver(struct x_state *x, size_t i, struct x_rec *r)
{
	const struct dm_event *e = dm_event_at(x->m, i);
	struct dm_lock_view v;
	char path[32];
	dm_ino ino;
	int d, l;

	memset(r, 0, sizeof(*r));
	r->type = XR_DELIVER;
	r->node = (uint8_t)e->node;
	r->ev = (uint8_t)e->kind;
	r->dom = r->lk = X_NONE;
	if (!e->ino || dm_lock_view(x->m, e->node, e->ino, &v))
		return;
	d = name_num(v.domain, "dom");
	l = name_num(v.name, "lk");
	if (d < 0 || d >= X_MAX_DOMS || l < 0 || l >= X_MAX_LOCKS)
		return;
	x_path(x, d, l, path, sizeof(path));
	if (dm_resolve(x->m, e->node, path, &ino) || ino != e->ino)
		return;
	r->dom = (uint8_t)d;
	r->lk = (uint8_t)l;
}

/*
 * The drained state's hangs (as inv_check_stuck judges them, from one
 * classification): an unexplained one is INV_STUCK, the others are
 * counted and, in the main run, printed once per actor.
 */
static void judge_hangs(struct x_state *x)
{
	struct inv_actor ia[X_MAX_ACTORS];
	struct inv_fd fds[X_MAX_ACTORS * X_MAX_FDS];
	enum inv_hang cls[X_MAX_ACTORS];
	char desc[600];
	int i;

	x_collect(x, ia, fds, sizeof(fds) / sizeof(fds[0]));
	if (dm_event_count(x->m)) {	/* stranded events: its message */
		x->viol = inv_check_stuck(x->m, ia, (size_t)x->nact, x->why,
					  sizeof(x->why));
		return;
	}
	inv_classify_hangs(x->m, ia, (size_t)x->nact, cls);
	for (i = 0; i < x->nact; i++) {
		if (cls[i] != INV_HANG_UNEXPLAINED)
			continue;
		inv_describe_hang(x->m, ia, (size_t)x->nact, cls, (size_t)i,
				  x->why, sizeof(x->why));
		x->viol = INV_STUCK;
		return;
	}
	for (i = 0; i < x->nact; i++) {
		if (!x->act[i].pending || x->act[i].hung ||
		    cls[i] == INV_HANG_NONE)
			continue;
		x->act[i].hung = true;
		x->hangs++;
		if (x->report && !x->o->quiet) {
			inv_describe_hang(x->m, ia, (size_t)x->nact, cls,
					  (size_t)i, desc, sizeof(desc));
			fprintf(x->o->out, "explore: step %llu: %s\n",
				(unsigned long long)x->steps, desc);
		}
	}
}

/* the event a check delivers next: the first wake-up, else the first */
static bool next_event(const struct x_state *x, size_t *which)
{
	size_t n = dm_event_count(x->m), i, first = n;

	for (i = 0; i < n; i++) {
		if (!dm_event_deliverable(x->m, i))
			continue;
		if (dm_event_at(x->m, i)->kind == DM_EV_WAKE) {
			*which = i;
			return true;
		}
		if (first == n)
			first = i;
	}
	*which = first;
	return first < n;
}

static bool exec_check(struct x_state *x)
{
	size_t i;
	int k;

	/*
	 * Only a drained model can be judged. The run drained before this
	 * record; a replayed subset may not have: deliver what is left as
	 * `deliver` statements (a no-op in the run itself), wake-ups first
	 * and bounded as dm_settle does - in plain queue order two EX
	 * contenders can hand the lock back and forth for ever, each woken
	 * opener finding it gone again.
	 */
	for (k = 0; k < X_CHECK_MAX && !x->viol && next_event(x, &i); k++) {
		struct x_rec d;

		x_gen_deliver(x, i, &d);
		if (!exec_deliver(x, &d))
			break;
		x_completions(x);
		x_check(x);
	}
	if (x->viol)
		return true;
	if (k == X_CHECK_MAX) {
		x->viol = INV_STUCK;
		snprintf(x->why, sizeof(x->why), "events still queued after %d "
			 "deliveries, wake-ups first (livelock)", X_CHECK_MAX);
		return true;
	}
	/* drained and nobody waits: nothing inv_check_stuck could flag */
	for (k = 0; k < x->nact && !x->act[k].pending; k++)
		;
	if (k < x->nact || dm_event_count(x->m))
		judge_hangs(x);
	return true;
}

bool x_exec(struct x_state *x, const struct x_rec *r, uint32_t ref)
{
	bool done = false;
	struct scn_stmt *st;

	switch (r->type) {
	case XR_CALL:
		done = exec_call(x, r, ref);
		break;
	case XR_DELIVER:
		done = exec_deliver(x, r);
		break;
	case XR_CRASH:
		if (!dm_node_alive(x->m, r->node))
			break;
		/* the model ends the node's calls (-EIO); then we forget them */
		done = dm_crash(x->m, r->node) == 0;
		x_kill_node_actors(x, r->node);
		x->crashes++;
		st = x_emit(x, SCN_V_CRASH, -1, r->node);
		x_exp_rc(st, 0);
		break;
	case XR_RESTART:
		if (dm_node_alive(x->m, r->node))
			break;
		done = dm_restart(x->m, r->node) == 0;
		st = x_emit(x, SCN_V_RESTART, -1, r->node);
		x_exp_rc(st, 0);
		break;
	case XR_CHECK:
		done = exec_check(x);
		break;
	default:
		break;
	}
	if (!done)
		return false;
	x->steps++;
	if (x->hashing)
		x_hash_bytes(x, r, sizeof(*r));
	x_completions(x);
	x_check(x);
	return true;
}

// SPDX-License-Identifier: MIT
/*
 * model.c - the model's core: profiles, lifetime, the event queue the caller
 * drains, pending ops, notes, traces, views and node faults.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const struct dm_profile dm_profiles[] = {
	{ "linux-6", "Linux >= 5.19 (6.x), o2cb stack", DM_STACK_O2CB,
	  DM_READ_SNAPSHOT, DM_WRITE_CLAMP, true, DM_CAPABILITIES },
	{ "linux-6-user", "Linux >= 5.19 (6.x), user stack (fs/dlm)",
	  DM_STACK_USER, DM_READ_SNAPSHOT, DM_WRITE_CLAMP, true,
	  DM_CAPABILITIES },
	{ "linux-5.4", "Linux 5.7-5.8 era incl. 5.4.y: T2 teardown bug, read from byte 0",
	  DM_STACK_O2CB, DM_READ_FROM0, DM_WRITE_CLAMP, false,
	  DM_CAPABILITIES },
	{ "linux-3.x", "Linux 3.0-5.6: write length count-pos bug, T2, read from byte 0",
	  DM_STACK_O2CB, DM_READ_FROM0, DM_WRITE_MINUS_POS, false,
	  DM_CAPABILITIES },
	{ NULL, NULL, 0, 0, 0, false, NULL },
};

const struct dm_profile *dm_profile_find(const char *name)
{
	const struct dm_profile *p;

	if (!name)
		return NULL;
	for (p = dm_profiles; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/* NL CR CW PR PW EX, as fs/dlm's __dlm_compat_matrix */
static const unsigned char compat[6][6] = {
	{ 1, 1, 1, 1, 1, 1 },
	{ 1, 1, 1, 1, 1, 0 },
	{ 1, 1, 1, 0, 0, 0 },
	{ 1, 1, 0, 1, 0, 0 },
	{ 1, 1, 0, 0, 0, 0 },
	{ 1, 0, 0, 0, 0, 0 },
};

bool dm_mode_compat(int a, int b)
{
	if (a == DM_IV || b == DM_IV)
		return true;
	if (a < DM_NL || a > DM_EX || b < DM_NL || b > DM_EX)
		return false;
	return compat[a][b];
}

const char *dm_mode_name(int mode)
{
	static const char *const names[] = { "IV", "NL", "CR", "CW",
					     "PR", "PW", "EX" };

	if (mode < DM_IV || mode > DM_EX)
		return "??";
	return names[mode + 1];
}

void *dm_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 8;
	void *q;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	q = realloc(p, n * elem);
	if (!q)
		abort();	/* the model has no way to report ENOMEM mid-step */
	memset((char *)q + *cap * elem, 0, (n - *cap) * elem);
	*cap = n;
	return q;
}

char *dm_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (!d)
		abort();
	memcpy(d, s, n);
	return d;
}

bool dm_node_ok(const struct dm_model *m, int node)
{
	return m && node >= 0 && node < m->nnodes;
}

struct dm_model *dm_new(const struct dm_profile *prof, int nodes)
{
	struct dm_model *m;
	int i;

	if (!prof || nodes < 1 || nodes > DM_MAX_NODES)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->prof = prof;
	m->nnodes = nodes;
	m->free_file = -1;
	m->free_op = -1;
	m->next_lid = 1;
	for (i = 0; i < nodes; i++)
		fs_node_init(m, i);
	return m;
}

static void free_state(struct dm_model *m)
{
	int i;

	for (i = 0; i < m->nnodes; i++)
		fs_node_free(m, i);
	dlm_free_all(m);
	m->nev = 0;
	m->nfiles = 0;
	m->free_file = -1;
	m->nops = 0;
	m->free_op = -1;
	m->nnotes = 0;
	m->note_head = 0;
}

void dm_free(struct dm_model *m)
{
	if (!m)
		return;
	free_state(m);
	free(m->res);
	free(m->ev);
	free(m->files);
	free(m->ops);
	free(m->notes);
	free(m);
}

void dm_reset(struct dm_model *m)
{
	int i;

	if (!m)
		return;
	free_state(m);
	m->qseq = 0;
	m->evseq = 0;
	m->opseq = 0;
	m->next_lid = 1;
	for (i = 0; i < m->nnodes; i++)
		fs_node_init(m, i);
}

int dm_nodes(const struct dm_model *m)
{
	return m ? m->nnodes : 0;
}

const struct dm_profile *dm_get_profile(const struct dm_model *m)
{
	return m ? m->prof : NULL;
}

void dm_set_bugs(struct dm_model *m, unsigned bugs)
{
	if (m)
		m->bugs = bugs;
}

void dm_set_trace(struct dm_model *m, dm_trace_fn fn, void *arg)
{
	if (!m)
		return;
	m->trace_fn = fn;
	m->trace_arg = arg;
}

void dm_trace_emit(struct dm_model *m, enum dm_trace_kind k, int node,
		   const struct dm_lockres *lr, int mode, int status,
		   const unsigned char *lvb, bool lvb_valid, int peer)
{
	struct dm_trace t;

	if (!m->trace_fn)
		return;
	memset(&t, 0, sizeof(t));
	t.kind = k;
	t.node = node;
	t.peer = peer;
	if (lr) {
		t.ino = lr->inode ? lr->inode->ino : 0;
		t.domain = lr->domain;
		t.name = lr->name;
	}
	t.mode = mode;
	t.status = status;
	t.lvb = lvb;
	t.lvb_valid = lvb_valid;
	m->trace_fn(m->trace_arg, m, &t);
}

/* ---- events ---- */
struct dm_ev *dm_ev_push(struct dm_model *m, enum dm_ev_kind k, int node,
			 uint32_t lid, dm_ino ino)
{
	struct dm_ev *e;

	m->ev = dm_grow(m->ev, &m->capev, m->nev + 1, sizeof(*m->ev));
	e = &m->ev[m->nev++];
	memset(e, 0, sizeof(*e));
	e->pub.kind = k;
	e->pub.node = node;
	e->pub.ino = ino;
	e->pub.mode = DM_IV;
	e->pub.seq = ++m->evseq;
	e->lid = lid;
	return e;
}

void dm_ev_remove(struct dm_model *m, size_t i)
{
	memmove(&m->ev[i], &m->ev[i + 1], (m->nev - i - 1) * sizeof(*m->ev));
	m->nev--;
}

size_t dm_event_count(const struct dm_model *m)
{
	return m ? m->nev : 0;
}

const struct dm_event *dm_event_at(const struct dm_model *m, size_t i)
{
	if (!m || i >= m->nev)
		return NULL;
	return &m->ev[i].pub;
}

static bool is_ast(enum dm_ev_kind k)
{
	return k == DM_EV_AST || k == DM_EV_UNLOCK_AST;
}

/*
 * The DLM talks to one lock in order, and o2dlm's dlm_flush_asts() sends a
 * lock's pending ASTs before its BASTs. Worker runs and wake-ups are free.
 */
bool dm_event_deliverable(const struct dm_model *m, size_t i)
{
	const struct dm_ev *e;
	size_t j;

	if (!m || i >= m->nev)
		return false;
	e = &m->ev[i];
	if (e->pub.kind == DM_EV_WORK || e->pub.kind == DM_EV_WAKE)
		return true;
	for (j = 0; j < m->nev; j++) {
		const struct dm_ev *o = &m->ev[j];

		if (j == i || o->pub.node != e->pub.node || o->lid != e->lid ||
		    !is_ast(o->pub.kind))
			continue;
		if (j < i || e->pub.kind == DM_EV_BAST)
			return false;
	}
	return true;
}

int dm_deliver(struct dm_model *m, size_t i)
{
	struct dm_ev e;
	struct dm_lockres *lr;
	struct dm_op *op;

	if (!m || i >= m->nev)
		return -EINVAL;
	if (!dm_event_deliverable(m, i))
		return -EAGAIN;
	e = m->ev[i];
	dm_ev_remove(m, i);
	if (e.pub.kind == DM_EV_WAKE) {
		op = dm_op_get(m, e.pub.op);
		if (op && op->state != OPS_DONE) {
			op->wake_queued = false;
			ul_op_recheck(m, op);
		}
		return 0;
	}
	lr = dm_find_lockres(m, e.pub.node, e.lid);
	if (!lr)
		return 0;	/* the lock went away with its node */
	switch (e.pub.kind) {
	case DM_EV_AST:
		ul_ast(m, lr, &e);
		break;
	case DM_EV_UNLOCK_AST:
		ul_unlock_ast(m, lr, e.pub.status);
		break;
	case DM_EV_BAST:
		dlm_bast_flushed(m, &e);
		break;
	case DM_EV_WORK:
		ul_worker(m, lr);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * A woken task runs before the next message lands, as it usually does on
 * a real node; plain FIFO would let two EX contenders ping-pong the lock
 * for ever, each grant BASTed away before its opener looks at it.
 */
size_t dm_settle(struct dm_model *m, size_t max)
{
	size_t n = 0, i, pick;

	while (m && n < max && m->nev) {
		pick = m->nev;
		for (i = 0; i < m->nev; i++) {
			if (!dm_event_deliverable(m, i))
				continue;
			if (m->ev[i].pub.kind == DM_EV_WAKE) {
				pick = i;
				break;
			}
			if (pick == m->nev)
				pick = i;
		}
		if (pick == m->nev)
			break;
		dm_deliver(m, pick);
		n++;
	}
	return n;
}

/* ---- notes ---- */
void dm_notes_enable(struct dm_model *m, bool on)
{
	if (m)
		m->notes_on = on;
}

void dm_note(struct dm_model *m, enum dm_note_kind k, int node, dm_ino ino,
	     dm_op_id op)
{
	struct dm_note *n;

	if (!m->notes_on)
		return;
	if (m->note_head && m->note_head == m->nnotes) {
		m->nnotes = 0;
		m->note_head = 0;
	}
	m->notes = dm_grow(m->notes, &m->capnotes, m->nnotes + 1,
			   sizeof(*m->notes));
	n = &m->notes[m->nnotes++];
	n->kind = k;
	n->node = node;
	n->ino = ino;
	n->op = op;
}

bool dm_note_next(struct dm_model *m, struct dm_note *n)
{
	if (!m || m->note_head >= m->nnotes)
		return false;
	*n = m->notes[m->note_head++];
	return true;
}

/* ---- pending ops ---- */
struct dm_op *dm_op_get(const struct dm_model *m, dm_op_id id)
{
	if (!m || id < 1 || (int)id > m->nops || !m->ops[id - 1].used)
		return NULL;
	return &m->ops[id - 1];
}

dm_op_id dm_op_new(struct dm_model *m, enum dm_op_kind k, int node)
{
	struct dm_op *op;
	int i;

	if (m->free_op >= 0) {
		i = m->free_op;
		m->free_op = m->ops[i].next_free;
	} else {
		m->ops = dm_grow(m->ops, &m->capops, (size_t)m->nops + 1,
				 sizeof(*m->ops));
		i = m->nops++;
	}
	op = &m->ops[i];
	memset(op, 0, sizeof(*op));
	op->used = true;
	op->kind = k;
	op->node = node;
	op->fh = -1;
	op->state = OPS_RUN;
	op->seq = ++m->opseq;
	return (dm_op_id)(i + 1);
}

void dm_op_finish(struct dm_model *m, struct dm_op *op, int result)
{
	op->state = OPS_DONE;
	op->result = result;
	dm_note(m, DM_NOTE_OP_DONE, op->node, op->inode ? op->inode->ino : 0,
		(dm_op_id)(op - m->ops + 1));
}

int dm_op_status(const struct dm_model *m, dm_op_id id, int *fh)
{
	const struct dm_op *op = dm_op_get(m, id);

	if (!op)
		return -EINVAL;
	if (op->state != OPS_DONE)
		return DM_PENDING;
	if (fh)
		*fh = op->fh;
	return op->result;
}

int dm_op_node(const struct dm_model *m, dm_op_id id)
{
	const struct dm_op *op = dm_op_get(m, id);

	return op ? op->node : -EINVAL;
}

static void op_drop_refs(struct dm_model *m, struct dm_op *op)
{
	if (op->inode) {
		struct dm_inode *in = op->inode;

		op->inode = NULL;
		fs_inode_put(m, in);
	}
}

void dm_op_forget(struct dm_model *m, dm_op_id id)
{
	struct dm_op *op = dm_op_get(m, id);
	size_t i;

	if (!op)
		return;
	if (op->state != OPS_DONE && op->kind == DM_OP_OPEN)
		op->state = OPS_DONE;	/* abandoned: nobody collects it */
	else if (op->state != OPS_DONE)
		return;	/* an unlink or raw lock in flight must finish */
	if (op->fh >= 0 && op->result < 0)
		op->fh = -1;
	for (i = 0; i < m->nev; i++)
		if (m->ev[i].pub.kind == DM_EV_WAKE && m->ev[i].pub.op == id)
			dm_ev_remove(m, i--);
	op_drop_refs(m, op);
	op->used = false;
	op->next_free = m->free_op;
	m->free_op = (int)(id - 1);
}

int dm_op_signal(struct dm_model *m, dm_op_id id)
{
	struct dm_op *op = dm_op_get(m, id);

	if (!op)
		return -EINVAL;
	if (op->state == OPS_DONE)
		return 0;
	/* uninterruptible sleeps: the flag is read at the loop's top (O4) */
	op->sig = true;
	return 0;
}

int dm_op_interrupt(struct dm_model *m, dm_op_id id)
{
	struct dm_op *op = dm_op_get(m, id);

	if (!op)
		return -EINVAL;
	if (op->state == OPS_DONE)
		return 0;
	if (op->kind != DM_OP_OPEN)
		return -EBUSY;
	dm_op_finish(m, op, -EINTR);
	return 0;
}

int dm_op_wait(const struct dm_model *m, dm_op_id id, struct dm_wait *w)
{
	const struct dm_op *op = dm_op_get(m, id);
	const struct dm_lockres *lr;
	bool zombie = false;

	if (!op || !w)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->node = op->node;
	w->level = op->level;
	if (op->state == OPS_DONE)
		return -EALREADY;
	lr = op->lr ? op->lr : (op->inode ? op->inode->lr : NULL);
	if (op->inode)
		w->ino = op->inode->ino;
	if (!lr || op->wake_queued || op->state == OPS_RUN) {
		w->kind = DM_WAIT_NONE;
		return 0;
	}
	w->blockers = dlm_blockers((struct dm_model *)m, lr, &zombie);
	if (lr->stuck && (lr->flags & DM_LF_BUSY))
		w->kind = DM_WAIT_STUCK;
	else if (zombie)
		w->kind = DM_WAIT_ZOMBIE;
	else if (op->state == OPS_WAIT_BLOCKED)
		w->kind = DM_WAIT_BLOCKED;
	else
		w->kind = DM_WAIT_REQUEST;
	return 0;
}

/* ---- faults ---- */
bool dm_node_alive(const struct dm_model *m, int node)
{
	return dm_node_ok(m, node) && m->node[node].alive;
}

int dm_crash(struct dm_model *m, int node)
{
	int i;
	size_t j;

	if (!dm_node_ok(m, node))
		return -EINVAL;
	if (!m->node[node].alive)
		return -EALREADY;
	dm_trace_emit(m, DM_T_CRASH, node, NULL, DM_IV, 0, NULL, false, -1);
	/* its processes die: pending calls end, open files vanish */
	for (i = 0; i < m->nops; i++) {
		struct dm_op *op = &m->ops[i];

		if (op->used && op->node == node && op->state != OPS_DONE)
			dm_op_finish(m, op, -EIO);
		if (op->used && op->node == node)
			op_drop_refs(m, op);
	}
	for (i = 0; i < m->nfiles; i++) {
		struct dm_file *f = &m->files[i];

		if (f->used && f->node == node) {
			f->used = false;
			f->inode = NULL;
			f->next_free = m->free_file;
			m->free_file = i;
		}
	}
	for (j = 0; j < m->nev; j++)
		if (m->ev[j].pub.node == node)
			dm_ev_remove(m, j--);
	m->node[node].alive = false;
	/* recovery: survivors are granted, LVBs of dead EX holders lost */
	dlm_node_died(m, node);
	fs_node_free(m, node);
	return 0;
}

int dm_restart(struct dm_model *m, int node)
{
	if (!dm_node_ok(m, node))
		return -EINVAL;
	if (m->node[node].alive)
		return -EALREADY;
	fs_node_init(m, node);
	dm_trace_emit(m, DM_T_RESTART, node, NULL, DM_IV, 0, NULL, false, -1);
	return 0;
}

/* ---- views ---- */
static void lock_view(const struct dm_lockres *lr, struct dm_lock_view *v)
{
	v->node = lr->node;
	v->ino = lr->inode ? lr->inode->ino : 0;
	v->domain = lr->domain;
	v->name = lr->name;
	v->level = lr->level;
	v->requested = lr->requested;
	v->blocking = lr->blocking;
	v->ro_holders = lr->ro_holders;
	v->ex_holders = lr->ex_holders;
	v->flags = lr->flags;
	v->lvb_valid = lr->lvb_valid;
	memcpy(v->lvb, lr->lvb, DM_LVB_LEN);
}

size_t dm_lock_count(const struct dm_model *m, int node)
{
	if (!dm_node_ok(m, node) || !m->node[node].alive)
		return 0;
	return m->node[node].nlrs;
}

int dm_lock_view_at(const struct dm_model *m, int node, size_t idx,
		    struct dm_lock_view *v)
{
	if (!dm_node_ok(m, node) || !v || !m->node[node].alive)
		return -EINVAL;
	if (idx >= m->node[node].nlrs)
		return -ENOENT;
	lock_view(m->node[node].lrs[idx], v);
	return 0;
}

int dm_lock_view(const struct dm_model *m, int node, dm_ino ino,
		 struct dm_lock_view *v)
{
	struct dm_inode *in;

	if (!v || !dm_node_ok(m, node))
		return -EINVAL;
	in = fs_inode(m, node, ino);
	if (!in)
		return -ENOENT;
	if (!in->lr)
		return -EISDIR;
	lock_view(in->lr, v);
	return 0;
}

size_t dm_res_count(const struct dm_model *m)
{
	return m ? m->nres : 0;
}

int dm_res_view(const struct dm_model *m, size_t i, struct dm_res_view *v)
{
	const struct dm_res *r;

	if (!m || !v || i >= m->nres)
		return -EINVAL;
	r = m->res[i];
	v->domain = r->domain;
	v->name = r->name;
	v->lvb_valid = r->lvb_valid;
	memcpy(v->lvb, r->lvb, DM_LVB_LEN);
	v->nlocks = r->nlk;
	return 0;
}

int dm_lk_view(const struct dm_model *m, size_t i, size_t j,
	       struct dm_lk_view *v)
{
	const struct dm_lk *lk;

	if (!m || !v || i >= m->nres || j >= m->res[i]->nlk)
		return -EINVAL;
	lk = &m->res[i]->lk[j];
	v->node = lk->node;
	v->owner = lk->owner;
	v->granted = lk->granted;
	v->requested = lk->requested;
	v->queue = lk->queue;
	v->bast_level = lk->bast_level;
	return 0;
}

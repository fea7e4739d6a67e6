// SPDX-License-Identifier: MIT
/*
 * raw.c - an in-kernel DLM user beside dlmfs on the same node (the ocfs2
 * filesystem itself, or stack_user's version_lock): M3, X5. It never gives
 * way to a BAST
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static struct dm_lockres *raw_find(struct dm_model *m, int node,
				   const char *domain, const char *name)
{
	struct dm_node *n = &m->node[node];
	size_t i;

	for (i = 0; i < n->nlrs; i++)
		if (n->lrs[i]->raw && !strcmp(n->lrs[i]->name, name) &&
		    !strcmp(n->lrs[i]->domain, domain))
			return n->lrs[i];
	return NULL;
}

int dm_raw_lock(struct dm_model *m, int node, const char *domain,
		const char *name, int mode, bool noqueue, dm_op_id *opid)
{
	struct dm_lockres *lr;
	struct dm_op *op;
	dm_op_id id;
	int err;

	if (!dm_node_ok(m, node) || !domain || !name || mode < DM_NL ||
	    mode > DM_EX)
		return -EINVAL;
	if (!m->node[node].alive)
		return -EIO;
	if (raw_find(m, node, domain, name))
		return -EEXIST;
	lr = ul_new(m, node, domain, name, true);
	fs_lrs_add(m, lr);
	lr->requested = mode;
	lr->flags |= DM_LF_BUSY;
	err = dlm_lock(m, lr, mode,
		       DLMF_VALBLK | (noqueue ? DLMF_NOQUEUE : 0));
	if (err) {
		fs_lrs_del(m, lr);
		ul_free(lr);
		return err;
	}
	id = dm_op_new(m, DM_OP_RAWLOCK, node);
	op = dm_op_get(m, id);
	op->lr = lr;
	op->level = mode;
	op->state = OPS_WAIT_BUSY;
	if (opid)
		*opid = id;
	return DM_PENDING;
}

int dm_raw_unlock(struct dm_model *m, int node, const char *domain,
		  const char *name)
{
	struct dm_lockres *lr;
	int i;

	if (!dm_node_ok(m, node) || !domain || !name)
		return -EINVAL;
	if (!m->node[node].alive)
		return -EIO;
	lr = raw_find(m, node, domain, name);
	if (!lr || (lr->flags & DM_LF_BUSY))
		return -EINVAL;
	/* its dlm-lock call has not returned yet: the caller still owns it */
	for (i = 0; i < m->nops; i++)
		if (m->ops[i].used && m->ops[i].state != OPS_DONE &&
		    m->ops[i].lr == lr)
			return -EBUSY;
	return dlm_unlock(m, lr, DLMF_VALBLK);
}

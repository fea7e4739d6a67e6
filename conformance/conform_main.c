/* SPDX-License-Identifier: MIT */
/*
 * conform_main.c - dlmfs-conform: run the scenario corpus against the
 * model, local dlmfs mounts or dlmfs-agent nodes (conformance/README.md).
 */
#include <stdio.h>

#include "conform.h"
#include "spawn.h"

int main(int argc, char **argv)
{
	struct conf_opts o;
	int rc = spawn_actor_main(argc, argv);

	if (rc >= 0)
		return rc;	/* an actor re-executed with --compat */
	rc = conf_parse_opts(argc, argv, &o, stdout, stderr);

	if (rc) {
		conf_opts_free(&o);
		return rc == 1 ? 0 : 2;
	}
	rc = conf_run(&o);
	conf_opts_free(&o);
	return rc;
}

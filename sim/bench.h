/* SPDX-License-Identifier: MIT */
/*
 * bench.h - `dlmfs-sim bench`: model and explorer throughput, each next to
 * a baseline measured in the same run. Prints numbers, asserts nothing.
 */
#ifndef DLMFS_BENCH_H
#define DLMFS_BENCH_H

/* defaults of --ops and --steps (also printed by dlmfs-sim bench --help) */
#define BENCH_OPS_DEFAULT	5000000
#define BENCH_STEPS_DEFAULT	1000000

int bench_main(int argc, char **argv);

#endif

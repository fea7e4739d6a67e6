/* SPDX-License-Identifier: MIT */
/*
 * bench.h - `dlmfs-sim bench`: model and explorer throughput, each next to
 * a baseline measured in the same run. Prints numbers, asserts nothing.
 */
#ifndef DLMFS_BENCH_H
#define DLMFS_BENCH_H

int bench_main(int argc, char **argv);

#endif

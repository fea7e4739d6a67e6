/* SPDX-License-Identifier: MIT */
/*
 * prng.h - the simulator's only source of randomness: xoshiro256** seeded
 * through splitmix64, so one printed 64-bit seed reproduces a whole run.
 * Header-only and state-in-struct: no globals, same stream on every host.
 */
#ifndef DLMFS_PRNG_H
#define DLMFS_PRNG_H

#include <stdbool.h>
#include <stdint.h>

struct prng {
	uint64_t s[4];
};

static inline uint64_t prng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void prng_seed(struct prng *p, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	/* splitmix64 never yields an all-zero xoshiro state */
	for (i = 0; i < 4; i++)
		p->s[i] = prng_splitmix64(&x);
}

static inline uint64_t prng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t prng_next(struct prng *p)
{
	uint64_t *s = p->s;
	uint64_t r = prng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = prng_rotl(s[3], 45);
	return r;
}

/* uniform-enough integer in [0, n); n == 0 gives 0 */
static inline uint32_t prng_below(struct prng *p, uint32_t n)
{
	return (uint32_t)(((prng_next(p) >> 32) * (uint64_t)n) >> 32);
}

/* true with probability num/den */
static inline bool prng_chance(struct prng *p, uint32_t num, uint32_t den)
{
	return prng_below(p, den) < num;
}

/* integer in [lo, hi] */
static inline int32_t prng_range(struct prng *p, int32_t lo, int32_t hi)
{
	return lo + (int32_t)prng_below(p, (uint32_t)(hi - lo + 1));
}

#endif

/* lib/mix.h: splitmix64's finalizer, a fast bijective mix of 64 bits
 * (every input bit moves about half the output bits): for hashes whose
 * inputs are not chosen by an attacker, or are keyed first. */
#ifndef FP_LIB_MIX_H
#define FP_LIB_MIX_H

#include <stdint.h>

static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

#endif

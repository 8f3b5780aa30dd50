/* lib/mix.h: splitmix64's finalizer, a fast bijective mix of 64 bits
 * (every input bit moves about half the output bits): for hashes whose
 * inputs are not chosen by an attacker, or are keyed first. */
#ifndef FP_LIB_MIX_H
#define FP_LIB_MIX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* p[0..len) mixed a word at a time, the length first.  For the slots of
 * direct-mapped caches that compare the whole key on a hit: there a
 * chosen collision costs a miss, never a wrong answer. */
static inline uint64_t
mix64_bytes(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = mix64(len), w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		h = mix64(h ^ w);
	}
	if (i < len) {
		w = 0;
		memcpy(&w, b + i, len - i);
		h = mix64(h ^ w);
	}
	return h;
}

#endif

/* models/verdict_cache.h: a small LRU of model verdicts keyed by the hash
 * of a fingerprint tuple (e.g. ja4_r, or ja4_r + JA4T), so a sensor scores
 * each distinct client once.  Fixed capacity, all memory taken at
 * creation: get and put never allocate.  One cache per worker (not
 * thread-safe).  Clear it when the model changes. */
#ifndef FP_MODELS_VERDICT_CACHE_H
#define FP_MODELS_VERDICT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct verdict {
	uint8_t		 client_class;	/* index in the model's classes */
	uint8_t		 os_class;
	float		 client_prob;
	float		 os_prob;
};

struct verdict_cache;

/* FNV-1a 64 of s[0..len); feed several parts by passing the previous
 * result as seed (start with VERDICT_KEY_SEED). */
#define VERDICT_KEY_SEED	0xcbf29ce484222325ull
uint64_t	verdict_key(uint64_t seed, const void *s, size_t len);

/* capacity 1..2^24 entries; NULL on allocation failure or bad capacity. */
struct verdict_cache *verdict_cache_new(size_t capacity);
void		verdict_cache_free(struct verdict_cache *c);	/* NULL ok */

/* Look key up: true and *out when present (it becomes most recent).
 * Counts one lookup, and one hit when found. */
bool		verdict_cache_get(struct verdict_cache *c, uint64_t key,
		    struct verdict *out);

/* Count the last lookup, which missed, as a hit: the answer was already
 * on its way (a row queued for scoring in the same batch). */
void		verdict_cache_count_hit(struct verdict_cache *c);

/* Insert or replace key's verdict, evicting the least recent when full. */
void		verdict_cache_put(struct verdict_cache *c, uint64_t key,
		    const struct verdict *v);

void		verdict_cache_clear(struct verdict_cache *c);
uint64_t	verdict_cache_hits(const struct verdict_cache *c);
uint64_t	verdict_cache_lookups(const struct verdict_cache *c);
size_t		verdict_cache_size(const struct verdict_cache *c);

#endif

/* analyzers/frag.h: record fragments, JSON members an analyzer renders
 * once (when a hello or a request is complete) and the pipeline copies into
 * the flow's record when it is written.
 *
 * Fragments live in one slab per worker (struct an_ctx.frags), so a flow's
 * own state keeps only a handle whatever the fields weigh. */
#ifndef FP_ANALYZERS_FRAG_H
#define FP_ANALYZERS_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "slab.h"

#define FRAG_BYTES	3072	/* one fragment's members at most */

struct frag {
	uint32_t	 slot;		/* slab handle, 0: none */
	uint16_t	 len;		/* rendered bytes */
};

struct frag_pool {
	struct slab	 slab;
	uint64_t	 n_too_big;	/* renderings dropped: did not fit */
};

/* Open fr for writing more members with j (taking a slot on first use).
 * False if the pool is empty (counted in the slab). */
bool	frag_open(struct frag_pool *pool, struct frag *fr, struct json *j);

/* Keep what j added, or drop the whole addition if it did not fit (the
 * fragment keeps its earlier members).  False when dropped. */
bool	frag_close(struct frag_pool *pool, struct frag *fr,
	    const struct json *j);

/* Copy fr's members into the object j is writing. */
void	frag_emit(const struct frag_pool *pool, const struct frag *fr,
	    struct json *j);

/* Where one string value lies in a fragment, so that the verdict can read
 * it back without a copy in the flow's state: len 0 means none. */
struct frag_ref {
	uint16_t	 off;
	uint16_t	 len;
};

/* Remember where the string value of n bytes j has just written lies, if
 * it was written as is (nothing escaped), else leave *r empty. */
void	frag_ref_last(const struct json *j, size_t n, struct frag_ref *r);

/* The bytes r names in fr, borrowed until the fragment is released;
 * NULL (and *len 0) when r or fr is empty. */
const char *frag_ref_get(const struct frag_pool *pool, const struct frag *fr,
	    const struct frag_ref *r, size_t *len);

/* Give the slot back; fr is empty afterwards. */
void	frag_release(struct frag_pool *pool, struct frag *fr);

#endif

/* lib/slab.h: a preallocated pool of fixed-size slots.
 *
 * For per-flow data that only some flows need and that is too large to sit
 * in every flow's state (rendered fingerprint fields, QUIC CRYPTO buffers).
 * Memory is reserved at start and only the slots in use become resident;
 * freed slots are reused first.  No allocation after slab_init(). */
#ifndef FP_LIB_SLAB_H
#define FP_LIB_SLAB_H

#include <stddef.h>
#include <stdint.h>

struct slab {
	uint8_t		*mem;
	uint32_t	*free_slots;
	uint32_t	 n_free;
	uint32_t	 n_slots;
	size_t		 slot_bytes;
	uint64_t	 n_exhausted;	/* allocations refused: pool empty */
	uint32_t	 max_used;
};

/* Reserve n_slots of slot_bytes each (rounded up to 16).  Returns 0, or -1
 * with errno set. */
int		 slab_init(struct slab *s, uint32_t n_slots, size_t slot_bytes);
void		 slab_free(struct slab *s);

/* A slot handle: index + 1, so 0 means "none". */
uint32_t	 slab_alloc(struct slab *s);
void		 slab_release(struct slab *s, uint32_t *h);

static inline void *
slab_ptr(const struct slab *s, uint32_t h)
{
	return h ? s->mem + (size_t)(h - 1) * s->slot_bytes : NULL;
}

#endif

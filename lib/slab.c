/* lib/slab.c: a preallocated pool of fixed-size slots. */
#include "slab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
slab_init(struct slab *s, uint32_t n_slots, size_t slot_bytes)
{
	memset(s, 0, sizeof(*s));
	if (slot_bytes == 0) {
		errno = EINVAL;
		return -1;
	}
	s->slot_bytes = (slot_bytes + 15) & ~(size_t)15;
	s->n_slots = n_slots;
	if (n_slots == 0)
		return 0;
	/* Large calloc is backed by untouched zero pages: only slots in
	 * use are resident. */
	s->mem = calloc(n_slots, s->slot_bytes);
	s->free_slots = calloc(n_slots, sizeof(*s->free_slots));
	if (s->mem == NULL || s->free_slots == NULL) {
		slab_free(s);
		errno = ENOMEM;
		return -1;
	}
	for (uint32_t i = 0; i < n_slots; i++)
		s->free_slots[i] = n_slots - 1 - i;
	s->n_free = n_slots;
	return 0;
}

void
slab_free(struct slab *s)
{
	if (s == NULL)
		return;
	free(s->mem);
	free(s->free_slots);
	s->mem = NULL;
	s->free_slots = NULL;
	s->n_free = s->n_slots = 0;
}

uint32_t
slab_alloc(struct slab *s)
{
	uint32_t used;

	if (s->n_free == 0) {
		s->n_exhausted++;
		return 0;
	}
	used = s->n_slots - s->n_free + 1;
	if (used > s->max_used)
		s->max_used = used;
	return s->free_slots[--s->n_free] + 1;
}

void
slab_release(struct slab *s, uint32_t *h)
{
	if (*h == 0)
		return;
	s->free_slots[s->n_free++] = *h - 1;
	*h = 0;
}

/* analyzers/frag.c: record fragments in a slab. */
#include "analyzers/frag.h"

bool
frag_open(struct frag_pool *pool, struct frag *fr, struct json *j)
{
	if (fr->slot == 0 && (fr->slot = slab_alloc(&pool->slab)) == 0)
		return false;
	json_resume_members(j, slab_ptr(&pool->slab, fr->slot),
	    pool->slab.slot_bytes, fr->len);
	return true;
}

bool
frag_close(struct frag_pool *pool, struct frag *fr, const struct json *j)
{
	if (j->overflow || j->bad_nesting || j->depth != 1 ||
	    j->len > UINT16_MAX) {
		pool->n_too_big++;
		return false;
	}
	fr->len = (uint16_t)j->len;
	return true;
}

void
frag_emit(const struct frag_pool *pool, const struct frag *fr,
    struct json *j)
{
	if (fr->slot != 0)
		json_members(j, slab_ptr(&pool->slab, fr->slot), fr->len);
}

void
frag_release(struct frag_pool *pool, struct frag *fr)
{
	slab_release(&pool->slab, &fr->slot);
	fr->len = 0;
}

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

void
frag_ref_last(const struct json *j, size_t n, struct frag_ref *r)
{
	size_t off;
	char before;

	r->off = r->len = 0;
	/* The value just written ends with its closing quote.  Escaping only
	 * lengthens a string, and inside an escaped string every quote
	 * follows a backslash; so a quote n bytes back that follows the
	 * key's colon, a comma or a bracket opens the value, which then
	 * went in as is. */
	if (j->overflow || n == 0 || n > UINT16_MAX || j->len < n + 3 ||
	    j->buf[j->len - 1] != '"')
		return;
	off = j->len - 1 - n;
	before = j->buf[off - 2];
	if (off > UINT16_MAX || j->buf[off - 1] != '"' ||
	    (before != ':' && before != ',' && before != '['))
		return;
	r->off = (uint16_t)off;
	r->len = (uint16_t)n;
}

const char *
frag_ref_get(const struct frag_pool *pool, const struct frag *fr,
    const struct frag_ref *r, size_t *len)
{
	*len = 0;
	if (fr->slot == 0 || r->len == 0 || (size_t)r->off + r->len > fr->len)
		return NULL;
	*len = r->len;
	return (const char *)slab_ptr(&pool->slab, fr->slot) + r->off;
}

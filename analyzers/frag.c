/* analyzers/frag.c: record fragments in a slab. */
#include "analyzers/frag.h"

#include <string.h>

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
frag_ref_last(const struct json *j, const char *s, size_t n,
    struct frag_ref *r)
{
	size_t off;

	r->off = r->len = 0;
	/* Only printable ASCII without quote or backslash is written as is;
	 * the value then ends just before the closing quote. */
	if (j->overflow || n == 0 || n > UINT16_MAX || j->len < n + 2)
		return;
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)s[i] < 0x20 || (uint8_t)s[i] > 0x7e ||
		    s[i] == '"' || s[i] == '\\')
			return;
	off = j->len - 1 - n;
	if (off > UINT16_MAX || j->buf[off - 1] != '"' ||
	    memcmp(j->buf + off, s, n) != 0)
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

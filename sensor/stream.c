/* sensor/stream.c: bounded in-order copy of a TCP direction's first bytes. */
#include "sensor/stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
stream_pool_init(struct stream_pool *pool, uint32_t n_slots,
    uint32_t slot_bytes)
{
	memset(pool, 0, sizeof(*pool));
	if (slot_bytes == 0 || slot_bytes > UINT16_MAX + 1u) {
		errno = EINVAL;
		return -1;
	}
	pool->slot_bytes = slot_bytes;
	pool->n_slots = n_slots;
	if (n_slots == 0)
		return 0;
	/* calloc of a large block is backed by untouched zero pages, so
	 * memory is only resident for slots actually used. */
	pool->mem = calloc(n_slots, slot_bytes);
	pool->free_slots = calloc(n_slots, sizeof(*pool->free_slots));
	if (pool->mem == NULL || pool->free_slots == NULL) {
		stream_pool_free(pool);
		errno = ENOMEM;
		return -1;
	}
	/* Lowest slot on top, so a quiet sensor touches few pages. */
	for (uint32_t i = 0; i < n_slots; i++)
		pool->free_slots[i] = n_slots - 1 - i;
	pool->n_free = n_slots;
	return 0;
}

void
stream_pool_free(struct stream_pool *pool)
{
	if (pool == NULL)
		return;
	free(pool->mem);
	free(pool->free_slots);
	pool->mem = NULL;
	pool->free_slots = NULL;
	pool->n_free = pool->n_slots = 0;
}

void
stream_set_base(struct stream *s, uint32_t seq)
{
	if (s->has_base)
		return;
	s->base_seq = seq;
	s->has_base = true;
}

void
stream_rebase(struct stream *s, uint32_t seq)
{
	if (s->len != 0 || s->n_ooo != 0)
		return;
	s->base_seq = seq;
	s->has_base = true;
}

static uint8_t *
slot_mem(const struct stream_pool *pool, const struct stream *s)
{
	return pool->mem + (size_t)(s->slot - 1) * pool->slot_bytes;
}

/* Absorb held early segments that now touch the contiguous prefix. */
static void
stream_merge_ooo(struct stream *s)
{
	bool merged;

	do {
		merged = false;
		for (uint8_t i = 0; i < s->n_ooo; i++) {
			if (s->ooo_start[i] > s->len)
				continue;
			if (s->ooo_end[i] > s->len)
				s->len = s->ooo_end[i];
			s->n_ooo--;
			s->ooo_start[i] = s->ooo_start[s->n_ooo];
			s->ooo_end[i] = s->ooo_end[s->n_ooo];
			merged = true;
			break;
		}
	} while (merged);
}

/* Hold an early segment [off, end); false if there is no room. */
static bool
stream_hold(struct stream *s, uint32_t off, uint32_t end)
{
	for (uint8_t i = 0; i < s->n_ooo; i++) {
		if (off <= s->ooo_end[i] && end >= s->ooo_start[i]) {
			if (off < s->ooo_start[i])
				s->ooo_start[i] = (uint16_t)off;
			if (end > s->ooo_end[i])
				s->ooo_end[i] = (uint16_t)end;
			return true;
		}
	}
	if (s->n_ooo == STREAM_MAX_OOO)
		return false;
	s->ooo_start[s->n_ooo] = (uint16_t)off;
	s->ooo_end[s->n_ooo] = (uint16_t)end;
	s->n_ooo++;
	return true;
}

bool
stream_add(struct stream_pool *pool, struct stream *s, uint32_t seq,
    const uint8_t *data, size_t len)
{
	uint32_t cap = pool->slot_bytes, off, end;
	int32_t rel;
	uint8_t *buf;

	if (s->is_closed || len == 0)
		return false;
	if (!s->has_base)
		stream_set_base(s, seq);
	rel = (int32_t)(seq - s->base_seq);
	if (rel < 0) {				/* starts before buf[0] */
		if ((uint32_t)-(int64_t)rel >= len) {
			pool->n_retransmitted++;
			return false;
		}
		data += (uint32_t)-(int64_t)rel;
		len -= (uint32_t)-(int64_t)rel;
		rel = 0;
	}
	off = (uint32_t)rel;
	if (off >= cap) {
		s->is_full = true;
		return false;
	}
	end = len > cap - off ? cap : off + (uint32_t)len;
	if (end - off < len)
		s->is_full = true;
	if (s->slot == 0) {
		if (pool->n_free == 0) {
			pool->n_exhausted++;
			s->is_closed = true;
			return false;
		}
		s->slot = pool->free_slots[--pool->n_free] + 1;
		if (pool->n_slots - pool->n_free > pool->max_used)
			pool->max_used = pool->n_slots - pool->n_free;
	}
	buf = slot_mem(pool, s);
	if (off > s->len) {			/* early: hold it if we can */
		if (!stream_hold(s, off, end)) {
			pool->n_ooo_dropped++;
			return false;
		}
		memcpy(buf + off, data, end - off);
		return false;
	}
	if (end <= s->len) {
		pool->n_retransmitted++;
		return false;
	}
	/* Only the new bytes: the first copy of a byte wins. */
	memcpy(buf + s->len, data + (s->len - off), end - s->len);
	s->len = end;
	stream_merge_ooo(s);
	return true;
}

const uint8_t *
stream_data(const struct stream_pool *pool, const struct stream *s,
    size_t *len)
{
	if (s->slot == 0) {
		*len = 0;
		return NULL;
	}
	*len = s->len;
	return slot_mem(pool, s);
}

void
stream_close(struct stream_pool *pool, struct stream *s)
{
	if (s->slot != 0) {
		pool->free_slots[pool->n_free++] = s->slot - 1;
		s->slot = 0;
	}
	s->is_closed = true;
	s->n_ooo = 0;
}

/* sensor/recq.c: single-producer single-consumer record queue. */
#include "sensor/recq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECQ_MIN_BYTES	(128u << 10)
#define RECQ_WRAP	UINT32_MAX	/* length word: go to the front */
#define RECQ_WAIT_NS	100000L		/* producer's nap when full */

static size_t
entry_bytes(size_t len)
{
	return (4 + len + 7) & ~(size_t)7;
}

int
recq_init(struct recq *q, size_t bytes)
{
	size_t size = RECQ_MIN_BYTES;

	memset(q, 0, sizeof(*q));
	while (size < bytes)
		size <<= 1;
	if ((q->buf = malloc(size)) == NULL)
		return -1;
	q->size = size;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	atomic_init(&q->n_full_waits, 0);
	atomic_init(&q->is_closed, false);
	return 0;
}

void
recq_free(struct recq *q)
{
	free(q->buf);
	q->buf = NULL;
}

int
recq_push2(struct recq *q, const void *a, size_t alen, const void *b,
    size_t blen)
{
	size_t len = alen + blen, need = entry_bytes(len), head, off, room;
	uint32_t len32 = (uint32_t)len;
	struct timespec nap = { 0, RECQ_WAIT_NS };

	if (need > q->size / 4) {
		errno = EMSGSIZE;
		return -1;
	}
	head = atomic_load_explicit(&q->head, memory_order_relaxed);
	off = head & (q->size - 1);
	room = q->size - off;
	/* Space for the entry, plus the skipped end when it must wrap. */
	if (room < need)
		need += room;
	while (q->size - (head - atomic_load_explicit(&q->tail,
	    memory_order_acquire)) < need) {
		atomic_fetch_add_explicit(&q->n_full_waits, 1,
		    memory_order_relaxed);
		nanosleep(&nap, NULL);
	}
	if (room < entry_bytes(len)) {
		uint32_t wrap = RECQ_WRAP;

		memcpy(q->buf + off, &wrap, 4);	/* room >= 8: aligned */
		head += room;
		off = 0;
	}
	memcpy(q->buf + off, &len32, 4);
	memcpy(q->buf + off + 4, a, alen);
	if (blen > 0)
		memcpy(q->buf + off + 4 + alen, b, blen);
	atomic_store_explicit(&q->head, head + entry_bytes(len),
	    memory_order_release);
	return 0;
}

int
recq_push(struct recq *q, const void *rec, size_t len)
{
	return recq_push2(q, rec, len, NULL, 0);
}

void
recq_close(struct recq *q)
{
	atomic_store_explicit(&q->is_closed, true, memory_order_release);
}

const void *
recq_peek(struct recq *q, size_t *len)
{
	size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&q->head, memory_order_acquire);
	uint32_t len32;

	if (tail == head)
		return NULL;
	memcpy(&len32, q->buf + (tail & (q->size - 1)), 4);
	if (len32 == RECQ_WRAP) {
		tail += q->size - (tail & (q->size - 1));
		atomic_store_explicit(&q->tail, tail, memory_order_release);
		if (tail == head)
			return NULL;
		memcpy(&len32, q->buf + (tail & (q->size - 1)), 4);
	}
	*len = len32;
	return q->buf + (tail & (q->size - 1)) + 4;
}

void
recq_pop(struct recq *q)
{
	size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint32_t len32;

	memcpy(&len32, q->buf + (tail & (q->size - 1)), 4);
	atomic_store_explicit(&q->tail, tail + entry_bytes(len32),
	    memory_order_release);
}

bool
recq_is_done(struct recq *q)
{
	/* Closed first, then empty: nothing can be pushed after close. */
	return atomic_load_explicit(&q->is_closed, memory_order_acquire) &&
	    atomic_load_explicit(&q->tail, memory_order_acquire) ==
	    atomic_load_explicit(&q->head, memory_order_acquire);
}

static int
recq_write(struct output *o, const char *rec, size_t len)
{
	return recq_push(o->impl, rec, len);
}

static int
recq_out_close(struct output *o)
{
	recq_close(o->impl);
	o->impl = NULL;
	return 0;
}

void
recq_output_init(struct output *o, struct recq *q)
{
	memset(o, 0, sizeof(*o));
	o->name = "worker queue";
	o->impl = q;
	o->write = recq_write;
	o->close = recq_out_close;
}

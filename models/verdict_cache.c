/* models/verdict_cache.c: LRU as a preallocated entry array with a doubly
 * linked recency list and chained buckets, all by 32-bit index. */
#include "models/verdict_cache.h"

#include <stdlib.h>

#define NIL	UINT32_MAX

struct entry {
	uint64_t	 key;
	struct verdict	 v;
	uint32_t	 prev, next;	/* recency: head = most recent */
	uint32_t	 chain;		/* next in bucket */
};

struct verdict_cache {
	struct entry	*e;
	uint32_t	*bucket;
	uint32_t	 n_buckets;	/* power of 2 */
	uint32_t	 cap, used;
	uint32_t	 head, tail;
	uint64_t	 hits, lookups;
};

uint64_t
verdict_key(uint64_t seed, const void *s, size_t len)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < len; i++) {
		seed ^= p[i];
		seed *= 0x100000001b3ull;
	}
	return seed;
}

struct verdict_cache *
verdict_cache_new(size_t capacity)
{
	struct verdict_cache *c;
	uint32_t nb = 1;

	if (capacity == 0 || capacity > (1u << 24))
		return NULL;
	while (nb < capacity * 2)
		nb <<= 1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->e = calloc(capacity, sizeof(*c->e));
	c->bucket = malloc(nb * sizeof(*c->bucket));
	if (c->e == NULL || c->bucket == NULL) {
		verdict_cache_free(c);
		return NULL;
	}
	c->n_buckets = nb;
	c->cap = (uint32_t)capacity;
	verdict_cache_clear(c);
	return c;
}

void
verdict_cache_free(struct verdict_cache *c)
{
	if (c == NULL)
		return;
	free(c->e);
	free(c->bucket);
	free(c);
}

void
verdict_cache_clear(struct verdict_cache *c)
{
	for (uint32_t i = 0; i < c->n_buckets; i++)
		c->bucket[i] = NIL;
	c->used = 0;
	c->head = c->tail = NIL;
}

static uint32_t *
slot_of(struct verdict_cache *c, uint64_t key)
{
	return &c->bucket[(key ^ key >> 29) & (c->n_buckets - 1)];
}

static void
unlink_lru(struct verdict_cache *c, uint32_t i)
{
	struct entry *e = &c->e[i];

	if (e->prev != NIL)
		c->e[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != NIL)
		c->e[e->next].prev = e->prev;
	else
		c->tail = e->prev;
}

static void
push_front(struct verdict_cache *c, uint32_t i)
{
	c->e[i].prev = NIL;
	c->e[i].next = c->head;
	if (c->head != NIL)
		c->e[c->head].prev = i;
	c->head = i;
	if (c->tail == NIL)
		c->tail = i;
}

static uint32_t
find(struct verdict_cache *c, uint64_t key)
{
	for (uint32_t i = *slot_of(c, key); i != NIL; i = c->e[i].chain)
		if (c->e[i].key == key)
			return i;
	return NIL;
}

bool
verdict_cache_get(struct verdict_cache *c, uint64_t key, struct verdict *out)
{
	uint32_t i;

	c->lookups++;
	if ((i = find(c, key)) == NIL)
		return false;
	c->hits++;
	unlink_lru(c, i);
	push_front(c, i);
	*out = c->e[i].v;
	return true;
}

void
verdict_cache_count_hit(struct verdict_cache *c)
{
	c->hits++;
}

/* Take the least recent entry out of its bucket and the list. */
static uint32_t
evict(struct verdict_cache *c)
{
	uint32_t i = c->tail;
	uint32_t *p = slot_of(c, c->e[i].key);

	while (*p != i)
		p = &c->e[*p].chain;
	*p = c->e[i].chain;
	unlink_lru(c, i);
	return i;
}

void
verdict_cache_put(struct verdict_cache *c, uint64_t key,
    const struct verdict *v)
{
	uint32_t i = find(c, key);
	uint32_t *slot;

	if (i != NIL) {
		c->e[i].v = *v;
		unlink_lru(c, i);
		push_front(c, i);
		return;
	}
	i = c->used < c->cap ? c->used++ : evict(c);
	slot = slot_of(c, key);
	c->e[i].key = key;
	c->e[i].v = *v;
	c->e[i].chain = *slot;
	*slot = i;
	push_front(c, i);
}

uint64_t
verdict_cache_hits(const struct verdict_cache *c)
{
	return c->hits;
}

uint64_t
verdict_cache_lookups(const struct verdict_cache *c)
{
	return c->lookups;
}

size_t
verdict_cache_size(const struct verdict_cache *c)
{
	return c->used;
}

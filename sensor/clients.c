/* sensor/clients.c: per-client recent evidence, a bounded LRU table. */
#include "sensor/clients.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
clients_init(struct clients *c, uint32_t cap, uint64_t window_us,
    uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->window_us = window_us;
	c->seed = seed;
	if (cap == 0)
		return 0;
	if (cap > (1u << 24)) {
		errno = EINVAL;
		return -1;
	}
	c->n_buckets = 16;
	while (c->n_buckets < cap)
		c->n_buckets *= 2;
	c->e = calloc((size_t)cap + 1, sizeof(*c->e));
	c->bucket = calloc(c->n_buckets, sizeof(*c->bucket));
	if (c->e == NULL || c->bucket == NULL) {
		clients_free(c);
		errno = ENOMEM;
		return -1;
	}
	c->cap = cap;
	return 0;
}

void
clients_free(struct clients *c)
{
	free(c->e);
	free(c->bucket);
	c->e = NULL;
	c->bucket = NULL;
	c->cap = 0;
}

static uint32_t
client_hash(const struct clients *c, uint8_t ip_version,
    const uint8_t addr[16])
{
	uint64_t h = c->seed ^ 0xcbf29ce484222325ull ^ ip_version;

	for (int i = 0; i < 16; i++) {
		h ^= addr[i];
		h *= 0x100000001b3ull;
	}
	return (uint32_t)(h ^ h >> 32) & (c->n_buckets - 1);
}

static uint32_t
lookup(const struct clients *c, uint8_t ip_version, const uint8_t addr[16],
    uint32_t b)
{
	for (uint32_t i = c->bucket[b]; i != 0; i = c->e[i].next)
		if (c->e[i].ip_version == ip_version &&
		    memcmp(c->e[i].addr, addr, 16) == 0)
			return i;
	return 0;
}

const struct client_entry *
clients_find(struct clients *c, uint8_t ip_version, const uint8_t addr[16])
{
	uint32_t i;

	if (c->cap == 0)
		return NULL;
	c->n_lookups++;
	i = lookup(c, ip_version, addr, client_hash(c, ip_version, addr));
	return i != 0 ? &c->e[i] : NULL;
}

const struct client_fact *
clients_fact(const struct clients *c, const struct client_entry *e,
    enum client_kind k, uint64_t now_us, uint64_t flow_id)
{
	const struct client_fact *f;

	if (e == NULL)
		return NULL;
	f = &e->fact[k];
	if (f->ts_us == 0 || f->flow_id == flow_id)
		return NULL;
	/* Records are written in any order: a fact may be a little newer
	 * than the flow asking. */
	if (now_us > f->ts_us && now_us - f->ts_us > c->window_us)
		return NULL;
	return f;
}

static void
lru_unlink(struct clients *c, uint32_t i)
{
	struct client_entry *e = &c->e[i];

	if (e->lru_prev != 0)
		c->e[e->lru_prev].lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next != 0)
		c->e[e->lru_next].lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = 0;
}

static void
lru_push(struct clients *c, uint32_t i)
{
	c->e[i].lru_next = c->lru_head;
	c->e[i].lru_prev = 0;
	if (c->lru_head != 0)
		c->e[c->lru_head].lru_prev = i;
	c->lru_head = i;
	if (c->lru_tail == 0)
		c->lru_tail = i;
}

/* Take the least recent entry out of its chain and the LRU list. */
static uint32_t
evict(struct clients *c)
{
	uint32_t i = c->lru_tail, b;
	struct client_entry *e = &c->e[i];

	b = client_hash(c, e->ip_version, e->addr);
	for (uint32_t *pp = &c->bucket[b]; *pp != 0; pp = &c->e[*pp].next) {
		if (*pp == i) {
			*pp = e->next;
			break;
		}
	}
	lru_unlink(c, i);
	c->n_evicted++;
	return i;
}

void
clients_update(struct clients *c, uint8_t ip_version, const uint8_t addr[16],
    const struct client_fact f[CLIENT_N_KIND])
{
	uint32_t b, i;

	if (c->cap == 0)
		return;
	b = client_hash(c, ip_version, addr);
	if ((i = lookup(c, ip_version, addr, b)) != 0) {
		lru_unlink(c, i);
	} else {
		i = c->n_used < c->cap ? ++c->n_used : evict(c);
		memset(&c->e[i], 0, sizeof(c->e[i]));
		c->e[i].ip_version = ip_version;
		memcpy(c->e[i].addr, addr, 16);
		c->e[i].next = c->bucket[b];
		c->bucket[b] = i;
	}
	lru_push(c, i);
	for (int k = 0; k < CLIENT_N_KIND; k++)
		if (f[k].ts_us != 0)
			c->e[i].fact[k] = f[k];
}

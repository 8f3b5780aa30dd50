/* sensor/flow.c: fixed-capacity bidirectional flow table. */
#include "sensor/flow.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"

static const char *const flow_end_names[FLOW_N_END] = {
	[FLOW_END_FIN] = "fin",
	[FLOW_END_RST] = "rst",
	[FLOW_END_IDLE] = "idle",
	[FLOW_END_EVICTED] = "evicted",
	[FLOW_END_EOF] = "eof",
	[FLOW_END_REUSED] = "reused",
	[FLOW_END_DONE] = "done",
	[FLOW_END_SHUTDOWN] = "shutdown",
};

const char *
flow_end_name(enum flow_end why)
{
	return (unsigned)why < FLOW_N_END ? flow_end_names[why] : "?";
}

/* Keyed multiply-mix hash over the key's six 64-bit words.  The key is
 * random per run, so tuples cannot be chosen to fall into one bucket
 * without knowing it; it is much cheaper than SipHash on this fixed-size
 * input, which matters at one lookup per packet. */
static inline uint64_t
mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static uint64_t
flow_hash(const uint64_t k[2], const struct flow_key *key)
{
	uint64_t w[sizeof(*key) / 8];

	_Static_assert(sizeof(struct flow_key) == 48, "key is six words");
	memcpy(w, key, sizeof(w));
	uint64_t h = mix(w[0] ^ k[0], w[1] ^ 0xa0761d6478bd642fULL) ^
	    mix(w[2] ^ k[1], w[3] ^ 0xe7037ed1a0b428dbULL) ^
	    mix(w[4] ^ 0x8ebc6af09c88c6e3ULL, w[5] ^ k[0]);
	return mix(h ^ k[1], 0x589965cc75374cc3ULL ^ k[0]);
}

static uint64_t
splitmix(uint64_t *s)
{
	return mix64(*s += 0x9e3779b97f4a7c15ULL);
}

struct flow_table *
flow_table_new(const struct flow_config *cfg, size_t state_size,
    uint64_t hash_seed, flow_end_fn *on_end, void *on_end_arg)
{
	struct flow_table *t;
	uint32_t nb = 1;

	if (cfg->max_flows == 0 || cfg->max_flows > (1u << 28)) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < cfg->max_flows)
		nb <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->cfg = *cfg;
	t->state_size = (state_size + 7) & ~(size_t)7;
	t->flows = calloc(cfg->max_flows, sizeof(*t->flows));
	t->buckets = calloc(nb, sizeof(*t->buckets));
	t->state = t->state_size ?
	    calloc(cfg->max_flows, t->state_size) : NULL;
	if (t->flows == NULL || t->buckets == NULL ||
	    (t->state_size && t->state == NULL)) {
		flow_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->bucket_mask = nb - 1;
	/* Slots never used are handed out in index order and freed ones
	 * are reused first, so only as many slots as were ever live at
	 * once are touched (and resident). */
	t->n_untouched = cfg->max_flows;
	t->free_head = 0;
	t->timeout_us[FLOW_LIST_TCP] = cfg->tcp_idle_us;
	t->timeout_us[FLOW_LIST_UDP] = cfg->udp_idle_us;
	t->timeout_us[FLOW_LIST_CLOSING] = cfg->closing_us;
	t->next_id = cfg->id_first ? cfg->id_first : 1;
	t->id_step = cfg->id_step ? cfg->id_step : 1;
	t->hash_key[0] = splitmix(&hash_seed);
	t->hash_key[1] = splitmix(&hash_seed);
	t->on_end = on_end;
	t->on_end_arg = on_end_arg;
	return t;
}

void
flow_table_free(struct flow_table *t)
{
	if (t == NULL)
		return;
	free(t->flows);
	free(t->buckets);
	free(t->state);
	free(t);
}

/* memcmp(a, b, 16), then the ports: big-endian words compare as the
 * bytes do. */
static int
addr_port_cmp(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp)
{
	for (int i = 0; i < 16; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y) {
			x = be64toh(x);
			y = be64toh(y);
			return x < y ? -1 : 1;
		}
	}
	return (ap > bp) - (ap < bp);
}

/* Two keys are the same flow: six words compared. */
static inline bool
key_eq(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t x[6], y[6], d = 0;

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	for (int i = 0; i < 6; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

void
flow_key_make(const struct packet *pkt, struct flow_key *key, int *side)
{
	memset(key, 0, sizeof(*key));
	*side = addr_port_cmp(pkt->src, pkt->sport, pkt->dst, pkt->dport) > 0;
	memcpy(key->addr[*side], pkt->src, 16);
	memcpy(key->addr[!*side], pkt->dst, 16);
	key->port[*side] = pkt->sport;
	key->port[!*side] = pkt->dport;
	key->vlan[0] = pkt->vlan[0];
	key->vlan[1] = pkt->vlan[1];
	/* GTP uses one TEID per direction: the tunnel type alone keys it. */
	key->tunnel_id = pkt->tunnel == DECODE_TUN_GTP ? 0 : pkt->tunnel_id;
	key->tunnel = pkt->tunnel;
	key->ip_version = pkt->ip_version;
	key->proto = pkt->l4_proto;
}

uint32_t
flow_key_hash(const struct flow_table *t, const struct flow_key *key)
{
	return (uint32_t)flow_hash(t->hash_key, key);
}

struct flow *
flow_find(struct flow_table *t, const struct flow_key *key)
{
	return flow_find_hashed(t, key, flow_key_hash(t, key));
}

struct flow *
flow_find_hashed(struct flow_table *t, const struct flow_key *key,
    uint32_t h)
{
	for (uint32_t i = t->buckets[h & t->bucket_mask]; i != 0;
	    i = t->flows[i - 1].next) {
		struct flow *f = &t->flows[i - 1];

		if (f->hash == h && key_eq(&f->key, key))
			return f;
	}
	return NULL;
}

static void
lru_unlink(struct flow_table *t, struct flow *f)
{
	uint32_t idx = (uint32_t)(f - t->flows) + 1;

	if (f->lru_prev)
		t->flows[f->lru_prev - 1].lru_next = f->lru_next;
	else if (t->head[f->list] == idx)
		t->head[f->list] = f->lru_next;
	if (f->lru_next)
		t->flows[f->lru_next - 1].lru_prev = f->lru_prev;
	else if (t->tail[f->list] == idx)
		t->tail[f->list] = f->lru_prev;
	f->lru_prev = f->lru_next = 0;
}

static void
lru_push_head(struct flow_table *t, struct flow *f, enum flow_list list)
{
	uint32_t idx = (uint32_t)(f - t->flows) + 1;

	f->list = (uint8_t)list;
	f->lru_prev = 0;
	f->lru_next = t->head[list];
	if (t->head[list])
		t->flows[t->head[list] - 1].lru_prev = idx;
	t->head[list] = idx;
	/* A new tail may time out first; behind a tail, f goes after it. */
	if (t->tail[list] == 0) {
		t->tail[list] = idx;
		if (f->last_us + t->timeout_us[list] < t->next_expiry_us)
			t->next_expiry_us = f->last_us + t->timeout_us[list];
	}
}

void
flow_touch(struct flow_table *t, struct flow *f, enum flow_list list,
    uint64_t now_us)
{
	if (now_us > f->last_us)
		f->last_us = now_us;
	if (t->head[f->list] == (uint32_t)(f - t->flows) + 1 && f->list == list)
		return;
	lru_unlink(t, f);
	lru_push_head(t, f, list);
}

void
flow_end(struct flow_table *t, struct flow *f, enum flow_end why)
{
	uint32_t idx = (uint32_t)(f - t->flows) + 1;
	uint32_t *pp = &t->buckets[f->hash & t->bucket_mask];

	if (t->on_end != NULL)
		t->on_end(t->on_end_arg, f, why);
	t->n_ended[why]++;
	while (*pp != 0 && *pp != idx)
		pp = &t->flows[*pp - 1].next;
	if (*pp == idx)
		*pp = f->next;
	lru_unlink(t, f);
	f->list = FLOW_LIST_FREE;
	f->next = t->free_head;
	t->free_head = idx;
	t->n_active--;
}

/* The least recently used flow: closing ones first, else the oldest. */
static struct flow *
flow_victim(struct flow_table *t)
{
	struct flow *best = NULL;

	if (t->tail[FLOW_LIST_CLOSING])
		return &t->flows[t->tail[FLOW_LIST_CLOSING] - 1];
	for (int l = 0; l < FLOW_LIST_CLOSING; l++) {
		struct flow *f;

		if (t->tail[l] == 0)
			continue;
		f = &t->flows[t->tail[l] - 1];
		if (best == NULL || f->last_us < best->last_us)
			best = f;
	}
	return best;
}

struct flow *
flow_insert(struct flow_table *t, const struct flow_key *key, uint64_t now_us)
{
	uint32_t h = (uint32_t)flow_hash(t->hash_key, key), idx;
	struct flow *f;

	if (t->free_head == 0 && t->n_untouched == 0)
		flow_end(t, flow_victim(t), FLOW_END_EVICTED);
	if (t->free_head != 0) {
		idx = t->free_head;
		f = &t->flows[idx - 1];
		t->free_head = f->next;
	} else {
		idx = t->cfg.max_flows - --t->n_untouched;
		f = &t->flows[idx - 1];
	}
	memset(f, 0, sizeof(*f));
	if (t->state_size)
		memset(flow_state(t, f), 0, t->state_size);
	f->key = *key;
	f->hash = h;
	f->id = t->next_id;
	t->next_id += t->id_step;
	f->first_us = f->last_us = now_us;
	f->next = t->buckets[h & t->bucket_mask];
	t->buckets[h & t->bucket_mask] = idx;
	lru_push_head(t, f, key->proto == 17 ? FLOW_LIST_UDP : FLOW_LIST_TCP);
	t->n_created++;
	if (++t->n_active > t->max_active)
		t->max_active = t->n_active;
	return f;
}

/* A closing flow ends for the reason it started closing. */
static enum flow_end
closing_reason(const struct flow *f)
{
	if (f->flags & FLOW_F_RST)
		return FLOW_END_RST;
	if ((f->flags & FLOW_F_FIN_C) && (f->flags & FLOW_F_FIN_S))
		return FLOW_END_FIN;
	return FLOW_END_DONE;
}

void
flow_expire_due(struct flow_table *t, uint64_t now_us)
{
	uint64_t next = UINT64_MAX;

	for (int l = 0; l < FLOW_N_LISTS; l++) {
		while (t->tail[l] != 0) {
			struct flow *f = &t->flows[t->tail[l] - 1];

			if (f->last_us + t->timeout_us[l] > now_us)
				break;
			flow_end(t, f, l == FLOW_LIST_CLOSING ?
			    closing_reason(f) : FLOW_END_IDLE);
		}
	}
	/* Each list is in last_us order, its tail the first to go. */
	for (int l = 0; l < FLOW_N_LISTS; l++)
		if (t->tail[l] != 0) {
			const struct flow *f = &t->flows[t->tail[l] - 1];

			if (f->last_us + t->timeout_us[l] < next)
				next = f->last_us + t->timeout_us[l];
		}
	t->next_expiry_us = next;
}

void
flow_flush(struct flow_table *t, enum flow_end why)
{
	struct flow *f;

	while (t->n_active > 0) {
		/* Oldest first across lists, so output order is stable. */
		struct flow *best = NULL;

		for (int l = 0; l < FLOW_N_LISTS; l++) {
			if (t->tail[l] == 0)
				continue;
			f = &t->flows[t->tail[l] - 1];
			if (best == NULL || f->last_us < best->last_us ||
			    (f->last_us == best->last_us && f->id < best->id))
				best = f;
		}
		flow_end(t, best, best->list == FLOW_LIST_CLOSING ?
		    closing_reason(best) : why);
	}
}

size_t
flow_table_bytes(const struct flow_table *t)
{
	return sizeof(*t) + (size_t)t->cfg.max_flows * (sizeof(struct flow) +
	    t->state_size) + ((size_t)t->bucket_mask + 1) *
	    sizeof(*t->buckets);
}

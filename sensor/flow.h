/* sensor/flow.h: fixed-capacity bidirectional flow table.
 *
 * Flows are keyed by the 5-tuple plus VLAN and tunnel context, in canonical
 * order so both directions find the same entry.  All memory is allocated by
 * flow_table_new(); lookups never allocate.  Each flow sits on one of three
 * LRU lists (TCP, UDP, closing), each with its own timeout, so expiry only
 * ever looks at list tails.  When the table is full the least recently used
 * flow is evicted (closing flows first).  Every flow that leaves the table
 * goes through the on_end callback exactly once. */
#ifndef FP_SENSOR_FLOW_H
#define FP_SENSOR_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode.h"
#include "sensor/stream.h"

struct flow_key {
	uint8_t		 addr[2][16];
	uint16_t	 port[2];
	uint16_t	 vlan[2];
	uint32_t	 tunnel_id;
	uint8_t		 tunnel;
	uint8_t		 ip_version;
	uint8_t		 proto;
	uint8_t		 pad;
};

enum flow_end {
	FLOW_END_FIN = 0,	/* both sides sent FIN */
	FLOW_END_RST,
	FLOW_END_IDLE,		/* idle timeout */
	FLOW_END_EVICTED,	/* table full */
	FLOW_END_EOF,		/* still open when the input ended */
	FLOW_END_REUSED,	/* a new SYN reused the tuple */
	FLOW_END_DONE,		/* the protocol finished (DNS answered) */
	FLOW_END_SHUTDOWN,	/* still open when live capture stopped */
	FLOW_N_END
};

enum flow_list {
	FLOW_LIST_TCP = 0,
	FLOW_LIST_UDP,
	FLOW_LIST_CLOSING,
	FLOW_N_LISTS,
	FLOW_LIST_FREE = 0xff
};

#define FLOW_F_SYN		0x0001	/* client SYN seen */
#define FLOW_F_SYNACK		0x0002	/* server SYN+ACK seen */
#define FLOW_F_FIN_C		0x0004
#define FLOW_F_FIN_S		0x0008
#define FLOW_F_RST		0x0010
#define FLOW_F_MIDSTREAM	0x0020	/* first packet was not a SYN */
#define FLOW_F_EMITTED		0x0040	/* record written at close; the
					 * entry only absorbs late packets */
#define FLOW_F_FIN_C_ACKED	0x0080	/* the server acknowledged the
					 * client's FIN */
#define FLOW_F_FIN_S_ACKED	0x0100

struct flow {
	struct flow_key	 key;
	uint32_t	 hash;
	uint32_t	 next;		/* bucket chain: index + 1, 0 = end */
	uint32_t	 lru_prev;	/* index + 1, 0 = none */
	uint32_t	 lru_next;
	uint8_t		 list;		/* enum flow_list */
	uint8_t		 client;	/* key side (0/1) of the client */
	uint16_t	 flags;		/* FLOW_F_* */
	uint32_t	 client_isn;
	uint32_t	 fin_ack[2];	/* by dir: the ACK number that
					 * acknowledges its FIN */
	uint64_t	 id;		/* creation order, from 1 */
	uint64_t	 first_us;
	uint64_t	 last_us;
	uint64_t	 pkts[2];	/* [0] client->server, [1] back */
	uint64_t	 bytes[2];	/* IP bytes */
	struct stream	 stream[2];
	uint16_t	 stream_want[2];	/* analyzers wanting bytes, bits */
	uint16_t	 pkt_want;	/* packet() analyzers still called, bits */
};

struct flow_config {
	uint32_t	 max_flows;
	uint64_t	 tcp_idle_us;
	uint64_t	 udp_idle_us;
	uint64_t	 closing_us;	/* linger after FIN/RST for late packets */
	/* Flow ids: the i-th flow (from 0) gets id_first + i * id_step, so
	 * workers' tables number apart (worker w of n: w + 1, n).  0: 1. */
	uint32_t	 id_first;
	uint32_t	 id_step;
};

typedef void	flow_end_fn(void *arg, struct flow *f, enum flow_end why);

struct flow_table {
	struct flow		*flows;		/* max_flows entries */
	uint8_t			*state;		/* max_flows * state_size */
	size_t			 state_size;
	uint32_t		*buckets;	/* index + 1, 0 = empty */
	uint32_t		 bucket_mask;
	uint32_t		 free_head;	/* freed slots: index + 1 */
	uint32_t		 n_untouched;	/* slots never used, from the end */
	uint32_t		 n_active;
	uint32_t		 head[FLOW_N_LISTS];	/* most recent */
	uint32_t		 tail[FLOW_N_LISTS];	/* least recent */
	uint64_t		 timeout_us[FLOW_N_LISTS];
	/* No flow times out before this: at most the least of every list
	 * tail's last_us + timeout, so that flow_expire() is one compare
	 * on most packets. */
	uint64_t		 next_expiry_us;
	uint64_t		 hash_key[2];
	uint64_t		 next_id;	/* the next flow's */
	uint64_t		 id_step;
	struct flow_config	 cfg;
	flow_end_fn		*on_end;
	void			*on_end_arg;
	/* Counters. */
	uint64_t		 n_created;
	uint64_t		 n_ended[FLOW_N_END];
	uint32_t		 max_active;
};

/* Allocate a table for cfg->max_flows flows with state_size bytes of
 * analyzer state each (8-byte aligned).  hash_seed keys the tuple hash.
 * Returns NULL with errno set on failure. */
struct flow_table	*flow_table_new(const struct flow_config *cfg,
			    size_t state_size, uint64_t hash_seed,
			    flow_end_fn *on_end, void *on_end_arg);
void			 flow_table_free(struct flow_table *t);

/* Build the canonical key of pkt; *side is the key side of pkt's source. */
void			 flow_key_make(const struct packet *pkt,
			    struct flow_key *key, int *side);

/* Find the flow of key, or NULL. */
struct flow		*flow_find(struct flow_table *t,
			    const struct flow_key *key);

/* The hash flow_find() looks key up by in t.  It reads only what t fixes
 * when it is made, so another thread may compute it ahead. */
uint32_t		 flow_key_hash(const struct flow_table *t,
			    const struct flow_key *key);

/* flow_find() of key whose flow_key_hash() is h. */
struct flow		*flow_find_hashed(struct flow_table *t,
			    const struct flow_key *key, uint32_t h);

/* Insert a new flow for key (evicting if full) at time now_us.  The new
 * flow is zeroed except for key, id and times; its state is zeroed. */
struct flow		*flow_insert(struct flow_table *t,
			    const struct flow_key *key, uint64_t now_us);

/* Mark activity: move f to the head of list `list` at time now_us. */
void			 flow_touch(struct flow_table *t, struct flow *f,
			    enum flow_list list, uint64_t now_us);

/* End f now (callback, then the slot is freed). */
void			 flow_end(struct flow_table *t, struct flow *f,
			    enum flow_end why);

/* End every flow whose list timeout has passed at now_us. */
void			 flow_expire_due(struct flow_table *t, uint64_t now_us);

static inline void
flow_expire(struct flow_table *t, uint64_t now_us)
{
	if (now_us >= t->next_expiry_us)
		flow_expire_due(t, now_us);
}

/* End every flow, least recently used first. */
void			 flow_flush(struct flow_table *t, enum flow_end why);

/* Analyzer state of f (state_size bytes, owned by the table). */
static inline void *
flow_state(const struct flow_table *t, const struct flow *f)
{
	return t->state + (size_t)(f - t->flows) * t->state_size;
}

const char		*flow_end_name(enum flow_end why);

/* Bytes the table allocated: entries, analyzer state and buckets (what
 * --max-flows buys, before any flow exists). */
size_t			 flow_table_bytes(const struct flow_table *t);

#endif

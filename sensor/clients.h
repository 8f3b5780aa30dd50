/* sensor/clients.h: what each client address showed in its recent flows.
 *
 * An HTTPS flow hides its User-Agent and a plain-HTTP flow has no
 * ClientHello, so the verdict of one flow also uses what the same client
 * (address, not port) showed in other flows: its latest TLS stack, TCP OS
 * and User-Agent claim, each with its time and flow id.  One table per
 * worker, preallocated, bounded: when full, the least recently updated
 * client is forgotten (counted).  Entries are updated when a record is
 * written, so a flow sees only what flows whose records were written
 * before it showed: records go out when flows end, in any order.
 * Nothing here allocates after clients_init(). */
#ifndef FP_SENSOR_CLIENTS_H
#define FP_SENSOR_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLIENTS_NAME_MAX	48

/* One piece of a client's evidence, copied (rules may be reloaded). */
struct client_fact {
	uint64_t	 ts_us;		/* record time; 0: none */
	uint64_t	 flow_id;
	char		 rule[CLIENTS_NAME_MAX];	/* rule id, may be "" */
	char		 name[CLIENTS_NAME_MAX];	/* application, browser */
	char		 family[CLIENTS_NAME_MAX];	/* TLS family, OS */
	char		 os[CLIENTS_NAME_MAX];		/* OS it implies */
	char		 extra[CLIENTS_NAME_MAX];	/* version, source */
	char		 kernel[CLIENTS_NAME_MAX];	/* TCP family of os */
	char		 actual[CLIENTS_NAME_MAX];	/* who claimed it */
};

enum client_kind {
	CLIENT_TLS,		/* TLS stack: name application, family */
	CLIENT_TCP,		/* TCP OS: family the OS family */
	CLIENT_UA,		/* claim: name browser, family, os, kernel,
				 * extra version, rule the UA rule, actual
				 * the family the claiming flow's header
				 * order showed */
	CLIENT_N_KIND
};

struct client_entry {
	uint8_t			 ip_version;
	uint8_t			 addr[16];
	uint32_t		 next;		/* hash chain, 0: end */
	uint32_t		 lru_prev;
	uint32_t		 lru_next;
	struct client_fact	 fact[CLIENT_N_KIND];
};

struct clients {
	struct client_entry	*e;		/* [0] unused: 0 is "none" */
	uint32_t		*bucket;
	uint32_t		 n_buckets;	/* power of two */
	uint32_t		 cap;
	uint32_t		 n_used;
	uint32_t		 lru_head;	/* most recent */
	uint32_t		 lru_tail;
	uint64_t		 window_us;	/* older facts are ignored */
	uint64_t		 seed;
	uint64_t		 n_evicted;
	uint64_t		 n_lookups;
	uint64_t		 n_hits;	/* a fact from another flow used */
};

/* Room for cap clients (0: the table is off).  Returns 0, or -1 with
 * errno set. */
int	clients_init(struct clients *c, uint32_t cap, uint64_t window_us,
	    uint64_t seed);
void	clients_free(struct clients *c);

/* The client's entry, or NULL.  Borrowed until the next clients_update. */
const struct client_entry *clients_find(struct clients *c, uint8_t ip_version,
	    const uint8_t addr[16]);

/* The fact of kind k of e if it is within the window of now_us and not
 * from flow_id itself, else NULL. */
const struct client_fact *clients_fact(const struct clients *c,
	    const struct client_entry *e, enum client_kind k, uint64_t now_us,
	    uint64_t flow_id);

/* Replace the facts of the kinds set in f[k].ts_us != 0 for the client,
 * creating its entry (evicting the least recent) if needed. */
void	clients_update(struct clients *c, uint8_t ip_version,
	    const uint8_t addr[16], const struct client_fact f[CLIENT_N_KIND]);

#endif

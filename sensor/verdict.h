/* sensor/verdict.h: what a flow's client is, what it runs on and whether
 * its User-Agent lies, from the flow's evidence (analyzers/evidence.h),
 * the signature databases (sensor/rules.h) and what the same client
 * showed in other recent flows (sensor/clients.h).
 *
 * One struct verdict_ctx per worker; verdict_eval() runs once per record
 * and allocates nothing.  With models (ctx->models, sensor/model_set.h),
 * a flow with a ClientHello is also scored by the client and OS family
 * models.  How rules and model combine:
 *   - an exact rule match wins: the verdict's client (os) is the rule's,
 *     and the model's answer is reported beside it (verdict.model);
 *   - a fingerprint no rule knows takes the model's client family
 *     (source "model", with its probability) unless the model says
 *     "other"; the OS takes the model's OS family only when the TCP
 *     stack gave none;
 *   - the User-Agent vs TLS check uses the model's family only at
 *     probability MODEL_CHECK_MIN or more, and then calls a mismatch
 *     inconsistent only when a browser is on one side (the model tells
 *     browsers from tools far better than one tool library from
 *     another); the OS checks never rest on the model. */
#ifndef FP_SENSOR_VERDICT_H
#define FP_SENSOR_VERDICT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzers/evidence.h"
#include "json.h"
#include "sensor/clients.h"
#include "sensor/flow.h"
#include "sensor/model_set.h"
#include "sensor/rules.h"

#define VERDICT_UA_CACHE	256	/* parsed User-Agents, direct-mapped */
#define VERDICT_TCP_CACHE	256	/* TCP rule lookups, direct-mapped */
#define VERDICT_REASON_MAX	112
#define VERDICT_SPOOF_MILLI	500	/* spoof when the score reaches it */
#define MODEL_CHECK_MIN		0.6	/* model family used by the checks */

enum verdict_result {
	VERDICT_UNKNOWN = 0,	/* stays 0: counting ORs the results */
	VERDICT_CONSISTENT,
	VERDICT_INCONSISTENT,
};

enum verdict_check {
	VERDICT_UA_VS_TLS,	/* claimed browser vs TLS stack */
	VERDICT_UA_VS_HTTP,	/* claimed browser vs header order */
	VERDICT_UA_VS_TCP_OS,	/* claimed OS vs TCP stack */
	VERDICT_TLS_VS_TCP_OS,	/* OS the TLS stack implies vs TCP stack */
	VERDICT_N_CHECKS
};

struct verdict_ua_slot {
	uint64_t		 hash;
	uint64_t		 generation;	/* of the rules; 0: empty */
	struct rules_ua_claim	 claim;
};

/* A TCP signature and the rule it found (NULL: none), for one set of
 * rules; the signature is compared whole. */
struct verdict_tcp_slot {
	uint64_t		 generation;	/* of the rules; 0: empty */
	const struct rules_tcp	*rule;
	uint16_t		 len;
	char			 sig[EV_SIG_MAX];
};

struct verdict_ctx {
	const struct rules	*rules;		/* borrowed; NULL: no verdicts */
	struct model_set	*models;	/* borrowed; NULL: rules only */
	struct clients		 clients;
	struct verdict_ua_slot	*ua_cache;	/* VERDICT_UA_CACHE */
	struct verdict_tcp_slot	*tcp_cache;	/* VERDICT_TCP_CACHE */
	uint64_t		 versions_generation;	/* of versions_json */
	char			 versions_json[1024];
	size_t			 versions_len;
	/* Counters for --stats: verdicts by outcome (spoof; else
	 * consistent when any check could be made; else unknown). */
	uint64_t		 n_verdicts;
	uint64_t		 n_spoof;
	uint64_t		 n_consistent;
	uint64_t		 n_unknown;
	uint64_t		 n_ua_lookups;
	uint64_t		 n_ua_hits;
	uint64_t		 n_tcp_lookups;
	uint64_t		 n_tcp_hits;
};

/* n_clients client entries (0: no cross-flow evidence), facts kept
 * window_us.  Returns 0, or -1 with errno set. */
int	verdict_ctx_init(struct verdict_ctx *v, uint32_t n_clients,
	    uint64_t window_us, uint64_t seed);
void	verdict_ctx_free(struct verdict_ctx *v);

/* One piece of the verdict: what, from which rule, from which flow (0:
 * this one). */
struct verdict_part {
	const char	*name;		/* application, OS family, browser */
	const char	*family;
	const char	*library;
	const char	*category;
	const char	*os;		/* OS it implies; claims: the OS */
	const char	*extra;		/* claims: the version */
	const char	*rule;		/* rule id, NULL: none */
	const char	*source;	/* "rule", "p0f" */
	const char	*via;		/* "tls", "http", "tcp", "useragent" */
	const char	*field;		/* record member matched, own only */
	uint64_t	 from_flow;
	const struct rules_json *json;	/* the rule's members, own rule */
	float		 prob;		/* source "model" */
	bool		 is_set;
};

/* A flow's verdict.  Strings are borrowed from the rules, the client
 * table and the evidence: valid until the next verdict_remember(). */
struct verdict {
	struct verdict_part	 client;	/* TLS stack or header order */
	struct verdict_part	 http;		/* header order, when TLS won */
	struct verdict_part	 os;
	struct verdict_part	 claim;		/* from the User-Agent */
	const char		*claim_kernel;	/* TCP family the OS means */
	const char		*claim_os_rule;
	enum verdict_result	 check[VERDICT_N_CHECKS];
	const char		*reason[VERDICT_N_CHECKS];	/* NUL-terminated */
	char			 reason_buf[VERDICT_N_CHECKS][VERDICT_REASON_MAX];
	unsigned		 score_milli;	/* 0..1000 */
	bool			 is_spoof;
	struct model_opinion	 model;		/* the deciding model's */
	struct model_opinion	 shadow;
};

/* The model answers a flow's verdict asks for (sensor/model_set.h):
 * asked when its record is made, read when its verdict is. */
struct verdict_tickets {
	enum model_role		 role;		/* the deciding model */
	bool			 is_asked;
	struct model_ticket	 t[MODEL_N_ROLES];
};

/* Ask the models for f's answers into *tk (nothing without models or a
 * ClientHello).  True when one is queued: run the models' batch
 * (model_set_run()) before verdict_eval_tickets() reads it. */
bool	verdict_request(struct verdict_ctx *v, const struct evidence *ev,
	    const struct flow *f, struct verdict_tickets *tk);

/* The verdict of flow f from its evidence and the model answers of tk.
 * False when there is nothing to say (no rules, or no evidence): no
 * verdict object then. */
bool	verdict_eval_tickets(struct verdict_ctx *v,
	    const struct evidence *ev, const struct flow *f,
	    const struct verdict_tickets *tk, struct verdict *out);

/* Both at once, scoring a queued row at once: for a caller that holds
 * no other row in the models' batches. */
bool	verdict_eval(struct verdict_ctx *v, const struct evidence *ev,
	    const struct flow *f, struct verdict *out);

/* Write the "verdict" member. */
void	verdict_json(struct verdict_ctx *v, const struct verdict *vd,
	    struct json *j);

/* Keep what this flow showed for its client's later flows. */
void	verdict_remember(struct verdict_ctx *v, const struct verdict *vd,
	    const struct flow *f);

/* Canonical TCP stack family of a p0f OS label ("Linux 3.11 and newer"
 * -> "linux"), NULL if none. */
const char *verdict_p0f_family(const char *label);

void	verdict_stats(const struct verdict_ctx *v, FILE *fp);

#endif

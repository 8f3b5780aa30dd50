/* analyzers/analyzer.h: the shape every analyzer shares.
 *
 * An analyzer has two layers: pure parsers (bytes in, struct out; what unit
 * tests and fuzzers call) and this glue, a const descriptor listed once in
 * registry.c.  The pipeline gives each flow state_size bytes of zeroed state
 * per analyzer, preallocated with the flow table, and calls:
 *   packet() for each packet of the flow, if set;
 *   stream() with the reassembled bytes of one TCP direction from its first
 *            byte, each time that prefix grows, while it returns true;
 *   emit()   when the flow ends, to write the analyzer's part of the record.
 * No callback allocates; all of them must accept any input. */
#ifndef FP_ANALYZERS_ANALYZER_H
#define FP_ANALYZERS_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "sensor/decode.h"
#include "sensor/flow.h"

struct p0f_db;

/* What analyzers share in one worker: read-only resources and counters. */
struct an_ctx {
	const struct p0f_db	*p0f;		/* may be NULL */
	uint64_t		 n_anomalies;	/* malformed input seen */
};

/* Direction of a packet or stream within its flow. */
#define AN_DIR_CLIENT	0	/* client -> server */
#define AN_DIR_SERVER	1

struct analyzer {
	const char	*name;		/* config key and JSON member */
	size_t		 state_size;
	void		(*packet)(void *state, struct an_ctx *ctx,
			    const struct flow *f, const struct packet *pkt,
			    int dir);
	bool		(*stream)(void *state, struct an_ctx *ctx, int dir,
			    const uint8_t *buf, size_t len);
	/* True if the analyzer has anything to write for this flow. */
	bool		(*has_output)(const void *state);
	void		(*emit)(const void *state, const struct an_ctx *ctx,
			    const struct flow *f, struct json *j);
};

/* The registry: every analyzer, in output order. */
extern const struct analyzer *const analyzers[];
extern const size_t n_analyzers;

#endif

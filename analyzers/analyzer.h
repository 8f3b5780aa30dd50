/* analyzers/analyzer.h: the shape every analyzer shares.
 *
 * An analyzer has two layers: pure parsers (bytes in, struct out; what unit
 * tests and fuzzers call) and this glue, a const descriptor listed once in
 * registry.c.  The pipeline gives each flow state_size bytes of zeroed state
 * per analyzer, preallocated with the flow table, and calls:
 *   packet() for each packet of the flow, if set, while it returns true
 *            (false: nothing in this flow's later packets concerns it);
 *   stream() with the reassembled bytes of one TCP direction from its first
 *            byte, each time that prefix grows, while it returns true;
 *   emit()   when the flow ends, to write the analyzer's part of the record;
 *   evidence() if set, when the record is written (after emit()), to add
 *            what the flow says about its client to the verdict's
 *            struct evidence (analyzers/evidence.h);
 *   end()    last, if set, once per flow: its record is done (after emit(),
 *            whether or not anything was emitted or the record could be
 *            written) and no callback follows for this state, so give back
 *            whatever the state holds outside the flow table.
 * No callback allocates; all of them must accept any input.  An analyzer
 * that writes an IP address formats it with enrich_addr_str(ctx->enrich,
 * ...) so that --anonymize-key covers it. */
#ifndef FP_ANALYZERS_ANALYZER_H
#define FP_ANALYZERS_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/evidence.h"
#include "json.h"
#include "sensor/decode.h"
#include "sensor/flow.h"

struct p0f_db;
struct fp_ndpi;
struct enrich;
struct tls_ctx;
struct frag_pool;
struct app_ctx;

/* What analyzers share in one worker: read-only resources and counters. */
struct an_ctx {
	const struct p0f_db	*p0f;		/* may be NULL */
	struct fp_ndpi		*ndpi;		/* nDPI module, NULL: off */
	struct enrich		*enrich;	/* addresses; may be NULL */
	struct tls_ctx		*tls;		/* TLS/QUIC scratch and slabs */
	struct frag_pool	*frags;		/* record fragments */
	struct app_ctx		*app;		/* HTTP/DNS/SSH scratch */
	struct tcp_ctx		*tcp;		/* rendered handshakes; may be NULL */
	uint64_t		 n_anomalies;	/* malformed input seen */
	/* Set by a packet() callback when the flow has nothing more to
	 * say (a DNS transaction answered): its record is written now. */
	bool			 flow_done;
};

/* Direction of a packet or stream within its flow. */
#define AN_DIR_CLIENT	0	/* client -> server */
#define AN_DIR_SERVER	1

struct analyzer {
	const char	*name;		/* config key and JSON member */
	size_t		 state_size;
	bool		(*packet)(void *state, struct an_ctx *ctx,
			    const struct flow *f, const struct packet *pkt,
			    int dir);
	bool		(*stream)(void *state, struct an_ctx *ctx, int dir,
			    const uint8_t *buf, size_t len);
	/* True if the analyzer has anything to write for this flow. */
	bool		(*has_output)(const void *state);
	void		(*emit)(const void *state, const struct an_ctx *ctx,
			    const struct flow *f, struct json *j);
	void		(*evidence)(const void *state, const struct an_ctx *ctx,
			    struct evidence *ev);		/* or NULL */
	void		(*end)(void *state, struct an_ctx *ctx);	/* or NULL */
	/* Decrypted TLS (--tls-keylog): stream() gets the plaintext instead
	 * of the records, from a zeroed state once decryption begins. */
	bool		 takes_plaintext;
};

/* The registry: every analyzer, in output order. */
extern const struct analyzer *const analyzers[];
extern const size_t n_analyzers;

#endif

/* sensor/pipeline.h: packet -> decode -> flow -> analyzers -> record.
 *
 * One pipeline per worker, single-threaded.  All memory (flow table,
 * analyzer state, stream buffers, record buffer) is allocated by
 * pipeline_init(); pipeline_packet() allocates nothing.
 *
 * With models, a record whose verdict needs a model answer the cache
 * lacks is held, with every record after it, while its row waits in the
 * model's batch (sensor/model_set.h); pipeline_flush() scores the batch in
 * one call and writes the held records in their order.  It runs when a
 * batch or the hold is full, at pipeline_finish() and
 * pipeline_shutdown(), and must be called by the capture loop at the end
 * of each read (live: after every poll of the ring, and when the oldest
 * held record has waited a few ms: pipeline_held_ns()) and before the
 * rules or models are swapped. */
#ifndef FP_SENSOR_PIPELINE_H
#define FP_SENSOR_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/analyzer.h"
#include "analyzers/frag.h"
#include "analyzers/p0f_http.h"
#include "sensor/decode.h"
#include "sensor/flow.h"
#include "sensor/output.h"
#include "sensor/stats.h"
#include "sensor/stream.h"
#include "sensor/verdict.h"

#define PIPELINE_MAX_ANALYZERS	16
#define PIPELINE_RECORD_MAX	(64u * 1024)
#define PIPELINE_PENDING	64	/* records held for a model batch */
#define PIPELINE_PENDING_BYTES	(256u * 1024)	/* their bytes so far */

struct tls_keylog;

struct pipeline_config {
	struct flow_config	 flow;
	uint32_t		 stream_slots;	/* buffers in the pool */
	uint32_t		 stream_bytes;	/* bytes kept per direction */
	uint32_t		 frag_slots;	/* record fragments, 3 KiB each */
	uint32_t		 quic_slots;	/* QUIC ClientHello reassembly */
	const struct tls_keylog	*keylog;	/* borrowed, NULL: no decryption */
	bool			 deterministic;	/* no wall-clock fields */
	uint64_t		 hash_seed;
	uint64_t		 run_id;	/* event ids: 0 when deterministic */
	uint32_t		 analyzer_mask;	/* bit i: analyzers[i] runs */
	const struct p0f_db	*p0f;		/* borrowed, may be NULL */
	const struct p0f_http_db *p0f_http;	/* borrowed, may be NULL */
	struct fp_ndpi		*ndpi;		/* borrowed, NULL: no nDPI */
	struct enrich		*enrich;	/* borrowed, may be NULL */
	const struct rules	*rules;		/* borrowed, NULL: no verdicts */
	struct model_set	*models;	/* borrowed, NULL: rules only */
	uint32_t		 max_clients;	/* cross-flow client table */
	uint64_t		 client_window_us;
};

struct pipeline_pending;

struct pipeline {
	struct flow_table	*flows;
	struct stream_pool	 streams;
	struct an_ctx		 an;
	struct frag_pool	 frags;
	const struct analyzer	*an_list[PIPELINE_MAX_ANALYZERS];
	size_t			 n_an;		/* analyzers running */
	size_t			 an_offset[PIPELINE_MAX_ANALYZERS];
	/* The running analyzers that take packets, in order: their
	 * callbacks and state offsets, walked for every packet. */
	size_t			 n_pkt_an;
	struct {
		const struct analyzer	*an;
		size_t			 offset;
	} pkt_an[PIPELINE_MAX_ANALYZERS];
	uint8_t			 an_type[PIPELINE_MAX_ANALYZERS]; /* rec type */
	uint64_t		 an_anomalies[PIPELINE_MAX_ANALYZERS]; /* named */
	struct output		*out;		/* borrowed */
	struct fp_stats		 stats;
	struct verdict_ctx	 verdict;	/* .rules, .models swapped on
						 * reload */
	char			*rec;		/* PIPELINE_RECORD_MAX */
	struct pipeline_pending	*pend;		/* NULL: no models */
	bool			 deterministic;
	uint64_t		 run_id;
	uint64_t		 now_us;	/* latest packet time */
};

/* Set up p for cfg, writing records to out.  Returns 0, or -1 with errno
 * set (nothing to free then). */
int	pipeline_init(struct pipeline *p, const struct pipeline_config *cfg,
	    struct output *out);

/* Process one captured frame of link type dlt. */
void	pipeline_packet(struct pipeline *p, int dlt, uint64_t ts_us,
	    const uint8_t *data, uint32_t caplen, uint32_t wire_len);

/* The same for a frame decode_packet() has decoded into pkt (its ts_us
 * and wire_len set) with status st.  pkt's pointers are into the frame. */
void	pipeline_decoded(struct pipeline *p, struct packet *pkt,
	    enum decode_status st);

/* What pipeline_decoded() works out from a packet alone before it looks
 * at any flow: its flow key, the key's side the packet is from, and the
 * key's hash in the flow table.  pipeline_prepare() only reads what
 * pipeline_init() fixed, so another thread may call it ahead for a
 * packet decoded DECODE_OK (sensor/stage.h). */
struct pipeline_pre {
	struct flow_key	 key;
	uint32_t	 hash;
	int		 side;
};

void	pipeline_prepare(const struct pipeline *p, const struct packet *pkt,
	    struct pipeline_pre *pre);

/* pipeline_decoded() with pre from pipeline_prepare() (unread unless st
 * is DECODE_OK). */
void	pipeline_decoded_pre(struct pipeline *p, struct packet *pkt,
	    enum decode_status st, const struct pipeline_pre *pre);

/* Write the records held for the models' batch (see top). */
void	pipeline_flush(struct pipeline *p);

/* Whether records are held for the models' batch. */
bool	pipeline_holds(const struct pipeline *p);

/* How long the oldest held record has waited, in ns (0: none held). */
uint64_t pipeline_held_ns(const struct pipeline *p);

/* End every open flow (records written, reason "eof"). */
void	pipeline_finish(struct pipeline *p);

/* Live capture: time is now_us although no packet came (the wall clock,
 * read when a poll found nothing), so idle flows still time out.  Time
 * never goes back: an earlier now_us does nothing. */
void	pipeline_tick(struct pipeline *p, uint64_t now_us);

/* Live capture stopped: end every open flow, reason "shutdown". */
void	pipeline_shutdown(struct pipeline *p);

void	pipeline_free(struct pipeline *p);

#endif

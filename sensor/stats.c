/* sensor/stats.c: counters of one pipeline, printed by --stats. */
#include "sensor/stats.h"

#include <inttypes.h>

#include "analyzers/ndpi.h"
#include "sensor/enrich.h"
#include "analyzers/app.h"
#include "analyzers/tcp.h"
#include "analyzers/tls.h"
#include "sensor/pipeline.h"

#include <string.h>

static const char *const rec_type_names[FP_REC_N_TYPES] = {
	[FP_REC_OTHER] = "other", [FP_REC_TCP] = "tcp", [FP_REC_TLS] = "tls",
	[FP_REC_QUIC] = "quic", [FP_REC_HTTP] = "http", [FP_REC_DNS] = "dns",
	[FP_REC_SSH] = "ssh",
};

const char *
stats_rec_type_name(enum fp_rec_type t)
{
	return t < FP_REC_N_TYPES ? rec_type_names[t] : "other";
}

/* An application analyzer names the record over tcp; tls_udp is QUIC (and
 * DTLS); nDPI and others say nothing of the type. */
enum fp_rec_type
stats_rec_type_of(const char *analyzer)
{
	if (strcmp(analyzer, "tls_udp") == 0)
		return FP_REC_QUIC;
	for (int t = FP_REC_TCP; t < FP_REC_N_TYPES; t++)
		if (strcmp(analyzer, rec_type_names[t]) == 0)
			return (enum fp_rec_type)t;
	return FP_REC_OTHER;
}

void
stats_print(FILE *fp, const struct pipeline *p)
{
	const struct fp_stats *s = &p->stats;
	const struct flow_table *t = p->flows;
	uint64_t skipped = 0;

	for (int i = 1; i < DECODE_N_STATUS; i++)
		skipped += s->skipped[i];
#define P(name, v) fprintf(fp, "%s=%" PRIu64 "\n", name, (uint64_t)(v))
	P("packets", s->packets);
	P("bytes", s->bytes);
	P("packets_analysed", s->analysed);
	P("packets_skipped", skipped);
	for (int i = 1; i < DECODE_N_STATUS; i++)
		fprintf(fp, "packets_skipped_%s=%" PRIu64 "\n",
		    decode_status_name((enum decode_status)i), s->skipped[i]);
	P("first_fragments", s->first_fragments);
	P("packets_tunnelled", s->tunnelled);
	P("timestamps_backwards", s->ts_backwards);
	P("packets_after_close", s->late_packets);
	P("flows_created", t->n_created);
	P("flows_active_max", t->max_active);
	for (int i = 0; i < FLOW_N_END; i++)
		fprintf(fp, "flows_ended_%s=%" PRIu64 "\n",
		    flow_end_name((enum flow_end)i), t->n_ended[i]);
	P("flows_evicted", t->n_ended[FLOW_END_EVICTED]);
	P("flow_table_flows", t->cfg.max_flows);
	P("flow_table_bytes", flow_table_bytes(t));
	P("flow_entry_bytes", sizeof(struct flow));
	P("flow_state_bytes", t->state_size);
	P("flow_table_bytes_per_flow", (flow_table_bytes(t) +
	    t->cfg.max_flows - 1) / t->cfg.max_flows);
	P("stream_buffers_exhausted", p->streams.n_exhausted);
	P("stream_buffers_max_used", p->streams.max_used);
	P("stream_segments_retransmitted", p->streams.n_retransmitted);
	P("stream_segments_out_of_window", p->streams.n_ooo_dropped);
	P("analyzer_anomalies", p->an.n_anomalies);
	P("records", s->records);
	P("records_too_big", s->records_too_big);
	P("records_failed", s->records_failed);
	P("record_fragments_too_big", p->frags.n_too_big);
	P("record_fragment_slots_exhausted", p->frags.slab.n_exhausted);
	P("record_fragment_slots_max_used", p->frags.slab.max_used);
#undef P
	if (p->an.tls != NULL)
		tls_ctx_stats(p->an.tls, fp);
	if (p->an.app != NULL)
		app_ctx_stats(p->an.app, fp);
	tcp_ctx_stats(p->an.tcp, fp);
	enrich_stats_print(fp, p->an.enrich);
	fp_ndpi_stats_print(fp, p->an.ndpi);
	if (p->verdict.rules != NULL)
		verdict_stats(&p->verdict, fp);
}

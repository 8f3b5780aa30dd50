/* sensor/pipeline.c: packet -> decode -> flow -> analyzers -> record. */
#include "sensor/pipeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "analyzers/app.h"
#include "analyzers/frag.h"
#include "analyzers/tls.h"
#include "fmt.h"
#include "json.h"
#include "sensor/enrich.h"

#define RECORD_SCHEMA_VERSION	1

static void pipeline_flow_end(void *arg, struct flow *f, enum flow_end why);
static void pipeline_emit(struct pipeline *p, struct flow *f,
    enum flow_end why);

static void *
an_state(const struct pipeline *p, const struct flow *f, size_t i)
{
	return (uint8_t *)flow_state(p->flows, f) + p->an_offset[i];
}

int
pipeline_init(struct pipeline *p, const struct pipeline_config *cfg,
    struct output *out)
{
	size_t total = 0;

	memset(p, 0, sizeof(*p));
	if (n_analyzers > PIPELINE_MAX_ANALYZERS) {
		errno = EINVAL;
		return -1;
	}
	/* Only the analyzers asked for run, and only they take state. */
	for (size_t i = 0; i < n_analyzers; i++)
		if (cfg->analyzer_mask & (1u << i))
			p->an_list[p->n_an++] = analyzers[i];
	for (size_t i = 0; i < p->n_an; i++) {
		p->an_type[i] = stats_rec_type_of(p->an_list[i]->name);
		p->an_offset[i] = total;
		total += (p->an_list[i]->state_size + 7) & ~(size_t)7;
	}
	p->flows = flow_table_new(&cfg->flow, total, cfg->hash_seed,
	    pipeline_flow_end, p);
	if (p->flows == NULL)
		return -1;
	if (stream_pool_init(&p->streams, cfg->stream_slots,
	    cfg->stream_bytes) != 0 ||
	    (p->rec = malloc(PIPELINE_RECORD_MAX)) == NULL) {
		int e = errno;
		pipeline_free(p);
		errno = e;
		return -1;
	}
	if (slab_init(&p->frags.slab, cfg->frag_slots, FRAG_BYTES) != 0 ||
	    (p->an.tls = tls_ctx_new(&p->frags, cfg->quic_slots)) == NULL ||
	    (p->an.app = app_ctx_new(cfg->p0f_http)) == NULL ||
	    (cfg->keylog != NULL && tls_ctx_set_keylog(p->an.tls, cfg->keylog,
	    TLS_DEC_SLOTS) != 0) ||
	    verdict_ctx_init(&p->verdict, cfg->max_clients,
	    cfg->client_window_us, cfg->hash_seed) != 0) {
		int e = errno;
		pipeline_free(p);
		errno = e;
		return -1;
	}
	p->verdict.rules = cfg->rules;
	p->verdict.models = cfg->models;
	p->an.frags = &p->frags;
	p->an.p0f = cfg->p0f;
	p->an.ndpi = cfg->ndpi;
	p->an.enrich = cfg->enrich;
	p->out = out;
	p->deterministic = cfg->deterministic;
	p->run_id = cfg->run_id;
	return 0;
}

void
pipeline_free(struct pipeline *p)
{
	flow_table_free(p->flows);
	stream_pool_free(&p->streams);
	tls_ctx_free(p->an.tls);
	p->an.tls = NULL;
	app_ctx_free(p->an.app);
	p->an.app = NULL;
	slab_free(&p->frags.slab);
	verdict_ctx_free(&p->verdict);
	free(p->rec);
	p->flows = NULL;
	p->rec = NULL;
}

/* The client of a new flow: the SYN's sender, the SYN+ACK's receiver;
 * mid-stream TCP guesses by port (a low port facing a high one is the
 * server); UDP takes the first packet's sender. */
static int
pick_client(const struct packet *pkt, int side, uint16_t *flags)
{
	if (pkt->l4_proto != 6)
		return side;
	if ((pkt->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		return side;
	if ((pkt->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		return !side;
	*flags |= FLOW_F_MIDSTREAM;
	if (pkt->sport < 1024 && pkt->dport >= 1024)
		return !side;
	return side;
}

/* A flow the tls analyzer (state i) decrypts: its plaintext of dir, or
 * NULL.  The first time, the analyzers that take plaintext start over. */
static const uint8_t *
stream_plaintext(struct pipeline *p, struct flow *f, size_t i, int dir,
    size_t *len)
{
	const uint8_t *plain;
	bool first;

	plain = tls_plaintext(an_state(p, f, i), &p->an, dir, len, &first);
	for (size_t k = 0; first && k < p->n_an; k++) {
		const struct analyzer *a = p->an_list[k];

		if (!a->takes_plaintext)
			continue;
		if (a->end != NULL)
			a->end(an_state(p, f, k), &p->an);
		memset(an_state(p, f, k), 0, a->state_size);
		f->stream_want[dir] |= (uint16_t)(1u << k);
	}
	return plain;
}

/* Give the analyzers that still want them the first len bytes of one
 * direction; on a decrypted TLS flow, those that take plaintext get the
 * plaintext instead. */
static void
stream_offer(struct pipeline *p, struct flow *f, int dir, const uint8_t *data,
    size_t len)
{
	const uint8_t *plain = NULL;
	size_t plain_len = 0;

	for (size_t i = 0; i < p->n_an; i++) {
		const struct analyzer *a = p->an_list[i];
		const uint8_t *buf = data;
		size_t n = len;

		if (a->takes_plaintext && plain != NULL) {
			buf = plain;
			n = plain_len;
		}
		if ((f->stream_want[dir] & (1u << i)) && n > 0 &&
		    !a->stream(an_state(p, f, i), &p->an, dir, buf, n))
			f->stream_want[dir] &= (uint16_t)~(1u << i);
		if (a == &tls_analyzer && p->an.tls->keylog != NULL)
			plain = stream_plaintext(p, f, i, dir, &plain_len);
	}
}

static void
stream_feed(struct pipeline *p, struct flow *f, const struct packet *pkt,
    int dir)
{
	struct stream *s = &f->stream[dir];
	const uint8_t *data;
	size_t len;

	if (f->stream_want[dir] == 0 || s->is_closed)
		return;
	/* The first in-order segment is offered where it lies: a hello or
	 * a request usually fits in one, and then no buffer is taken. */
	if (s->slot == 0 && s->len == 0 && s->n_ooo == 0 &&
	    (!s->has_base || pkt->seq == s->base_seq)) {
		stream_offer(p, f, dir, pkt->payload, pkt->payload_len);
		if (f->stream_want[dir] != 0)
			stream_add(&p->streams, s, pkt->seq, pkt->payload,
			    pkt->payload_len);
		if (f->stream_want[dir] == 0 || s->is_closed) {
			f->stream_want[dir] = 0;
			stream_close(&p->streams, s);
		}
		return;
	}
	if (!stream_add(&p->streams, s, pkt->seq, pkt->payload,
	    pkt->payload_len)) {
		if (s->is_closed)
			f->stream_want[dir] = 0;
		return;
	}
	data = stream_data(&p->streams, s, &len);
	stream_offer(p, f, dir, data, len);
	/* Nobody wants more, or no more will fit: give the buffer back. */
	if (f->stream_want[dir] == 0 || (s->is_full && len ==
	    p->streams.slot_bytes)) {
		f->stream_want[dir] = 0;
		stream_close(&p->streams, s);
	}
}

static struct flow *
flow_for_packet(struct pipeline *p, const struct packet *pkt, int *dir)
{
	struct flow_key key;
	struct flow *f;
	int side;
	bool is_syn = pkt->l4_proto == 6 &&
	    (pkt->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN;

	flow_key_make(pkt, &key, &side);
	f = flow_find(p->flows, &key);
	/* A SYN with a new ISN on a known tuple starts a new connection. */
	if (f != NULL && is_syn && (f->flags & FLOW_F_SYN) &&
	    (side != f->client || pkt->seq != f->client_isn))
		flow_end(p->flows, f, FLOW_END_REUSED), f = NULL;
	else if (f != NULL && is_syn && f->list == FLOW_LIST_CLOSING)
		flow_end(p->flows, f, FLOW_END_REUSED), f = NULL;
	if (f == NULL) {
		uint16_t want = 0;

		f = flow_insert(p->flows, &key, pkt->ts_us);
		f->client = (uint8_t)pick_client(pkt, side, &f->flags);
		if (pkt->l4_proto == 6)
			for (size_t i = 0; i < p->n_an; i++)
				if (p->an_list[i]->stream != NULL)
					want |= (uint16_t)(1u << i);
		f->stream_want[0] = f->stream_want[1] = want;
	}
	*dir = side == f->client ? AN_DIR_CLIENT : AN_DIR_SERVER;
	return f;
}

static void
tcp_track(struct flow *f, const struct packet *pkt, int dir)
{
	uint8_t fl = pkt->tcp_flags;

	if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN && dir == AN_DIR_CLIENT &&
	    !(f->flags & FLOW_F_SYN)) {
		f->flags |= FLOW_F_SYN;
		f->client_isn = pkt->seq;
		stream_set_base(&f->stream[0], pkt->seq + 1);
	} else if ((fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) &&
	    dir == AN_DIR_SERVER) {
		/* A repeated SYN+ACK with another ISN before any data: the
		 * server's later bytes follow the last one. */
		f->flags |= FLOW_F_SYNACK;
		stream_rebase(&f->stream[1], pkt->seq + 1);
	}
	if (fl & TCP_FIN)
		f->flags |= dir == AN_DIR_CLIENT ? FLOW_F_FIN_C : FLOW_F_FIN_S;
	if (fl & TCP_RST)
		f->flags |= FLOW_F_RST;
}

void
pipeline_packet(struct pipeline *p, int dlt, uint64_t ts_us,
    const uint8_t *data, uint32_t caplen, uint32_t wire_len)
{
	struct packet pkt;
	enum decode_status st;
	enum flow_list list;
	struct flow *f;
	int dir;

	p->stats.packets++;
	p->stats.bytes += wire_len;
	if (ts_us < p->now_us) {
		p->stats.ts_backwards++;
		ts_us = p->now_us;
	}
	p->now_us = ts_us;
	flow_expire(p->flows, ts_us);

	pkt.ts_us = ts_us;
	pkt.wire_len = wire_len;
	st = decode_packet(dlt, data, caplen, &pkt);
	if (st != DECODE_OK) {
		p->stats.skipped[st]++;
		return;
	}
	p->stats.analysed++;
	if (pkt.is_first_fragment)
		p->stats.first_fragments++;
	if (pkt.n_tunnels)
		p->stats.tunnelled++;

	f = flow_for_packet(p, &pkt, &dir);
	if (f->flags & FLOW_F_EMITTED) {
		/* Its record is out: a straggler ACK or FIN, counted. */
		p->stats.late_packets++;
		return;
	}
	f->pkts[dir]++;
	f->bytes[dir] += pkt.ip_total_len;
	if (pkt.l4_proto == 6)
		tcp_track(f, &pkt, dir);
	p->an.flow_done = false;
	for (size_t i = 0; i < p->n_an; i++)
		if (p->an_list[i]->packet != NULL)
			p->an_list[i]->packet(an_state(p, f, i), &p->an, f,
			    &pkt, dir);
	if (pkt.l4_proto == 6 && pkt.payload_len > 0)
		stream_feed(p, f, &pkt, dir);

	if (p->an.flow_done)
		list = FLOW_LIST_CLOSING;
	else if (pkt.l4_proto != 6)
		list = FLOW_LIST_UDP;
	else if ((f->flags & FLOW_F_RST) || ((f->flags & FLOW_F_FIN_C) &&
	    (f->flags & FLOW_F_FIN_S)))
		list = FLOW_LIST_CLOSING;
	else
		list = FLOW_LIST_TCP;
	flow_touch(p->flows, f, list, ts_us);
	/* Closed: the record goes out now; the entry lingers only to
	 * absorb late packets. */
	if (list == FLOW_LIST_CLOSING)
		pipeline_emit(p, f, p->an.flow_done ? FLOW_END_DONE :
		    (f->flags & FLOW_F_RST) ? FLOW_END_RST : FLOW_END_FIN);
}

void
pipeline_finish(struct pipeline *p)
{
	flow_flush(p->flows, FLOW_END_EOF);
}

void
pipeline_tick(struct pipeline *p, uint64_t now_us)
{
	if (now_us <= p->now_us)
		return;
	p->now_us = now_us;
	flow_expire(p->flows, now_us);
}

void
pipeline_shutdown(struct pipeline *p)
{
	flow_flush(p->flows, FLOW_END_SHUTDOWN);
}

/* An endpoint: its address (pseudonymized with a key) and port, then the
 * GeoIP/ASN of the real address. */
static void
json_endpoint(struct pipeline *p, struct json *j, const char *key,
    const struct flow *f, int side)
{
	char addr[64];

	enrich_addr_str(p->an.enrich, f->key.ip_version, f->key.addr[side],
	    addr, sizeof(addr));
	json_obj_open(j, key);
	json_str(j, "ip", addr);
	json_u64(j, "port", f->key.port[side]);
	enrich_geo(p->an.enrich, j, f->key.ip_version, f->key.addr[side]);
	json_obj_close(j);
}

static void
record_flow(struct pipeline *p, const struct flow *f, enum flow_end why,
    struct json *j)
{
	char id[40];
	struct fmt idf = fmt_init(id, sizeof(id));

	json_u64(j, "schema_version", RECORD_SCHEMA_VERSION);
	/* Unique per record: the run's random id, then the flow's number. */
	fmt_hex(&idf, p->run_id, 16);
	fmt_hex(&idf, f->id, 16);
	json_strn(j, "event_id", id, fmt_end(&idf));
	json_u64(j, "flow_id", f->id);
	json_time_us(j, "ts_start", f->first_us);
	json_time_us(j, "ts_end", f->last_us);
	json_fixed(j, "duration_ms", (int64_t)(f->last_us - f->first_us), 3);
	json_str(j, "end_reason", flow_end_name(why));
	json_str(j, "proto", f->key.proto == 6 ? "tcp" : "udp");
	json_u64(j, "ip_version", f->key.ip_version);
	json_endpoint(p, j, "client", f, f->client);
	json_endpoint(p, j, "server", f, !f->client);
	if (f->key.vlan[0] != 0 || f->key.vlan[1] != 0) {
		json_arr_open(j, "vlan");
		json_u64(j, NULL, f->key.vlan[0]);
		if (f->key.vlan[1] != 0)
			json_u64(j, NULL, f->key.vlan[1]);
		json_arr_close(j);
	}
	if (f->key.tunnel != DECODE_TUN_NONE) {
		json_obj_open(j, "tunnel");
		json_str(j, "type",
		    decode_tunnel_name((enum decode_tunnel)f->key.tunnel));
		json_u64(j, "id", f->key.tunnel_id);
		json_obj_close(j);
	}
	json_obj_open(j, "packets");
	json_u64(j, "client", f->pkts[AN_DIR_CLIENT]);
	json_u64(j, "server", f->pkts[AN_DIR_SERVER]);
	json_obj_close(j);
	json_obj_open(j, "bytes");
	json_u64(j, "client", f->bytes[AN_DIR_CLIENT]);
	json_u64(j, "server", f->bytes[AN_DIR_SERVER]);
	json_obj_close(j);
	if (f->flags & FLOW_F_MIDSTREAM)
		json_bool(j, "midstream", true);
}

/* The "verdict" member: the analyzers' evidence, judged; then what it
 * showed is kept for the client's later flows. */
static void
record_verdict(struct pipeline *p, const struct flow *f, struct json *j)
{
	struct evidence ev;
	struct verdict vd;

	memset(&ev, 0, sizeof(ev));
	for (size_t i = 0; i < p->n_an; i++)
		if (p->an_list[i]->evidence != NULL)
			p->an_list[i]->evidence(an_state(p, f, i), &p->an,
			    &ev);
	if (!verdict_eval(&p->verdict, &ev, f, &vd))
		return;
	verdict_json(&p->verdict, &vd, j);
	verdict_remember(&p->verdict, &vd, f);
}

/* The anomaly names an analyzer wrote into rec[from..to): the elements of
 * its "anomalies" array (names hold no comma). */
static uint64_t
count_anomalies(const char *rec, size_t from, size_t to)
{
	static const char key[] = "\"anomalies\":[";
	const char *p = rec + from, *end = rec + to;
	uint64_t n = 0;

	/* memmem, not a compare at every byte: records are kilobytes and
	 * most have no anomalies at all. */
	while ((p = memmem(p, (size_t)(end - p), key, sizeof(key) - 1)) !=
	    NULL) {
		p += sizeof(key) - 1;
		if (p < end && *p != ']')
			n++;
		for (; p < end && *p != ']'; p++)
			n += *p == ',';
	}
	return n;
}

/* Write f's record and give back what its analyzers hold. */
static void
pipeline_emit(struct pipeline *p, struct flow *f, enum flow_end why)
{
	struct json j;
	size_t len;
	enum fp_rec_type type = FP_REC_OTHER;

	json_init(&j, p->rec, PIPELINE_RECORD_MAX);
	json_obj_open(&j, NULL);
	record_flow(p, f, why, &j);
	for (size_t i = 0; i < p->n_an; i++) {
		const void *st = an_state(p, f, i);
		size_t at = j.len;
		uint64_t n;

		if (!p->an_list[i]->has_output(st))
			continue;
		p->an_list[i]->emit(st, &p->an, f, &j);
		if ((n = count_anomalies(p->rec, at, j.len)) != 0) {
			p->an_anomalies[i] += n;
			p->an.n_anomalies += n;
		}
		if (p->an_type[i] > type)
			type = p->an_type[i];
	}
	if (p->verdict.rules != NULL)
		record_verdict(p, f, &j);
	if (!p->deterministic) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		json_obj_open(&j, "sensor");
		json_str(&j, "version", PACKAGE_VERSION);
		json_time_us(&j, "emitted_at", (uint64_t)now.tv_sec * 1000000 +
		    (uint64_t)now.tv_nsec / 1000);
		json_obj_close(&j);
	}
	json_obj_close(&j);
	for (size_t i = 0; i < p->n_an; i++)
		if (p->an_list[i]->end != NULL)
			p->an_list[i]->end(an_state(p, f, i), &p->an);
	stream_close(&p->streams, &f->stream[0]);
	stream_close(&p->streams, &f->stream[1]);
	f->flags |= FLOW_F_EMITTED;
	if ((len = json_finish(&j)) == 0) {
		p->stats.records_too_big++;
		return;
	}
	if (output_write(p->out, p->rec, len) != 0) {
		p->stats.records_failed++;
	} else {
		p->stats.records++;
		p->stats.records_type[type]++;
	}
}

/* The flow table lets a flow go: write its record unless that was done
 * when it closed. */
static void
pipeline_flow_end(void *arg, struct flow *f, enum flow_end why)
{
	struct pipeline *p = arg;

	if (!(f->flags & FLOW_F_EMITTED))
		pipeline_emit(p, f, why);
}

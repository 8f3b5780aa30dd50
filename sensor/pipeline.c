/* sensor/pipeline.c: packet -> decode -> flow -> analyzers -> record. */
#include "sensor/pipeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "analyzers/app.h"
#include "analyzers/frag.h"
#include "analyzers/tcp.h"
#include "analyzers/tls.h"
#include "fmt.h"
#include "json.h"
#include "sensor/enrich.h"

#define RECORD_SCHEMA_VERSION	1

/* A record held for the models' batch: what its verdict needs. */
struct pending_rec {
	struct flow		 f;
	struct evidence		 ev;		/* strings in bytes[] */
	struct verdict_tickets	 tk;
	struct json		 j;		/* the record so far */
	size_t			 off;		/* its bytes in bytes[] */
	uint64_t		 t0;
	uint8_t			 type;
};

struct pipeline_pending {
	struct pending_rec	 rec[PIPELINE_PENDING];
	size_t			 n, used;
	char			 bytes[PIPELINE_PENDING_BYTES];
	char			 out[PIPELINE_RECORD_MAX];
};

static uint64_t	mono_ns(void);

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
		if (p->an_list[i]->packet != NULL) {
			p->pkt_an[p->n_pkt_an].an = p->an_list[i];
			p->pkt_an[p->n_pkt_an++].offset = total;
		}
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
	    (p->an.tcp = tcp_ctx_new()) == NULL ||
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
	if (cfg->models != NULL && (p->pend = calloc(1,
	    sizeof(*p->pend))) == NULL) {
		int e = errno;
		pipeline_free(p);
		errno = e;
		return -1;
	}
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
	tcp_ctx_free(p->an.tcp);
	p->an.tcp = NULL;
	slab_free(&p->frags.slab);
	verdict_ctx_free(&p->verdict);
	free(p->pend);
	p->pend = NULL;
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
flow_for_packet(struct pipeline *p, const struct packet *pkt,
    const struct pipeline_pre *pre, int *dir)
{
	struct flow *f;
	int side = pre->side;
	bool is_syn = pkt->l4_proto == 6 &&
	    (pkt->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN;

	f = flow_find_hashed(p->flows, &pre->key, pre->hash);
	/* A SYN with a new ISN on a known tuple starts a new connection. */
	if (f != NULL && is_syn && (f->flags & FLOW_F_SYN) &&
	    (side != f->client || pkt->seq != f->client_isn))
		flow_end(p->flows, f, FLOW_END_REUSED), f = NULL;
	else if (f != NULL && is_syn && f->list == FLOW_LIST_CLOSING)
		flow_end(p->flows, f, FLOW_END_REUSED), f = NULL;
	if (f == NULL) {
		uint16_t want = 0;

		f = flow_insert(p->flows, &pre->key, pkt->ts_us);
		f->client = (uint8_t)pick_client(pkt, side, &f->flags);
		if (pkt->l4_proto == 6)
			for (size_t i = 0; i < p->n_an; i++)
				if (p->an_list[i]->stream != NULL)
					want |= (uint16_t)(1u << i);
		f->stream_want[0] = f->stream_want[1] = want;
		f->pkt_want = (uint16_t)((1u << p->n_pkt_an) - 1);
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
	if ((fl & TCP_FIN) && !(f->flags & (dir == AN_DIR_CLIENT ?
	    FLOW_F_FIN_C : FLOW_F_FIN_S))) {
		f->flags |= dir == AN_DIR_CLIENT ? FLOW_F_FIN_C : FLOW_F_FIN_S;
		f->fin_ack[dir] = pkt->seq + pkt->payload_len + 1;
	}
	/* An ACK of the other side's FIN (at or beyond it: a window of 2^31
	 * as in TCP's own sequence comparisons). */
	if ((fl & TCP_ACK) && (f->flags & (dir == AN_DIR_CLIENT ?
	    FLOW_F_FIN_S : FLOW_F_FIN_C)) &&
	    (int32_t)(pkt->ack - f->fin_ack[!dir]) >= 0)
		f->flags |= dir == AN_DIR_CLIENT ? FLOW_F_FIN_S_ACKED :
		    FLOW_F_FIN_C_ACKED;
	if (fl & TCP_RST)
		f->flags |= FLOW_F_RST;
}

void
pipeline_packet(struct pipeline *p, int dlt, uint64_t ts_us,
    const uint8_t *data, uint32_t caplen, uint32_t wire_len)
{
	struct packet pkt;
	enum decode_status st;

	pkt.ts_us = ts_us;
	pkt.wire_len = wire_len;
	st = decode_packet(dlt, data, caplen, &pkt);
	pipeline_decoded(p, &pkt, st);
}

void
pipeline_prepare(const struct pipeline *p, const struct packet *pkt,
    struct pipeline_pre *pre)
{
	flow_key_make(pkt, &pre->key, &pre->side);
	pre->hash = flow_key_hash(p->flows, &pre->key);
}

void
pipeline_decoded(struct pipeline *p, struct packet *pkt,
    enum decode_status st)
{
	struct pipeline_pre pre;

	if (st == DECODE_OK)
		pipeline_prepare(p, pkt, &pre);
	pipeline_decoded_pre(p, pkt, st, &pre);
}

void
pipeline_decoded_pre(struct pipeline *p, struct packet *pkt,
    enum decode_status st, const struct pipeline_pre *pre)
{
	enum flow_list list;
	struct flow *f;
	uint8_t *state;
	uint64_t ts_us = pkt->ts_us;
	int dir;

	p->stats.packets++;
	p->stats.bytes += pkt->wire_len;
	if (ts_us < p->now_us) {
		p->stats.ts_backwards++;
		ts_us = p->now_us;
	}
	p->now_us = ts_us;
	flow_expire(p->flows, ts_us);
	if (st != DECODE_OK) {
		p->stats.skipped[st]++;
		return;
	}
	pkt->ts_us = ts_us;
	p->stats.analysed++;
	if (pkt->is_first_fragment)
		p->stats.first_fragments++;
	if (pkt->n_tunnels)
		p->stats.tunnelled++;

	f = flow_for_packet(p, pkt, pre, &dir);
	if (f->flags & FLOW_F_EMITTED) {
		/* Its record is out: a straggler ACK or FIN, counted. */
		p->stats.late_packets++;
		return;
	}
	f->pkts[dir]++;
	f->bytes[dir] += pkt->ip_total_len;
	if (pkt->l4_proto == 6)
		tcp_track(f, pkt, dir);
	p->an.flow_done = false;
	state = flow_state(p->flows, f);
	for (unsigned want = f->pkt_want; want != 0; want &= want - 1) {
		unsigned k = (unsigned)__builtin_ctz(want);

		if (!p->pkt_an[k].an->packet(state + p->pkt_an[k].offset,
		    &p->an, f, pkt, dir))
			f->pkt_want &= (uint16_t)~(1u << k);
	}
	if (pkt->l4_proto == 6 && pkt->payload_len > 0)
		stream_feed(p, f, pkt, dir);

	if (p->an.flow_done)
		list = FLOW_LIST_CLOSING;
	else if (pkt->l4_proto != 6)
		list = FLOW_LIST_UDP;
	else if ((f->flags & FLOW_F_RST) || ((f->flags & FLOW_F_FIN_C) &&
	    (f->flags & FLOW_F_FIN_S)))
		list = FLOW_LIST_CLOSING;
	else
		list = FLOW_LIST_TCP;
	flow_touch(p->flows, f, list, ts_us);
	/* Closed: the record goes out now, with a FIN exchange once both
	 * FINs are acknowledged (the last ACK belongs to the connection:
	 * JA4SSH and the packet counts include it); until then, or when the
	 * last ACK is lost, the closing timeout writes it.  After that the
	 * entry lingers only to absorb late packets. */
	if (list == FLOW_LIST_CLOSING && (p->an.flow_done ||
	    (f->flags & FLOW_F_RST) || (f->flags & (FLOW_F_FIN_C_ACKED |
	    FLOW_F_FIN_S_ACKED)) == (FLOW_F_FIN_C_ACKED | FLOW_F_FIN_S_ACKED)))
		pipeline_emit(p, f, p->an.flow_done ? FLOW_END_DONE :
		    (f->flags & FLOW_F_RST) ? FLOW_END_RST : FLOW_END_FIN);
}

void
pipeline_finish(struct pipeline *p)
{
	flow_flush(p->flows, FLOW_END_EOF);
	pipeline_flush(p);
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
	pipeline_flush(p);
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

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
gather_evidence(struct pipeline *p, const struct flow *f,
    struct evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	for (size_t i = 0; i < p->n_an; i++)
		if (p->an_list[i]->evidence != NULL)
			p->an_list[i]->evidence(an_state(p, f, i), &p->an, ev);
}

/* The "verdict" member: the evidence judged with the model answers of
 * tk; then what it showed is kept for the client's later flows.  With
 * models, the time from t0 (the flow's end) to the verdict is counted. */
static void
record_verdict(struct pipeline *p, const struct flow *f,
    const struct evidence *ev, const struct verdict_tickets *tk,
    struct json *j, uint64_t t0)
{
	struct verdict vd;

	if (!(tk != NULL ? verdict_eval_tickets(&p->verdict, ev, f, tk, &vd) :
	    verdict_eval(&p->verdict, ev, f, &vd)))
		return;
	if (p->verdict.models != NULL)
		model_counters_latency(p->verdict.models->c, mono_ns() - t0);
	verdict_json(&p->verdict, &vd, j);
	verdict_remember(&p->verdict, &vd, f);
}

/* The "sensor" member, the closing brace, and the record out. */
static void
record_write(struct pipeline *p, struct json *j, enum fp_rec_type type)
{
	size_t len;

	if (!p->deterministic) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		json_obj_open(j, "sensor");
		json_str(j, "version", PACKAGE_VERSION);
		json_time_us(j, "emitted_at", (uint64_t)now.tv_sec * 1000000 +
		    (uint64_t)now.tv_nsec / 1000);
		json_obj_close(j);
	}
	json_obj_close(j);
	if ((len = json_finish(j)) == 0) {
		p->stats.records_too_big++;
		return;
	}
	if (output_write(p->out, j->buf, len) != 0) {
		p->stats.records_failed++;
	} else {
		p->stats.records++;
		p->stats.records_type[type]++;
	}
}

/* Give back what f's analyzers and streams hold. */
static void
release_flow(struct pipeline *p, struct flow *f)
{
	for (size_t i = 0; i < p->n_an; i++)
		if (p->an_list[i]->end != NULL)
			p->an_list[i]->end(an_state(p, f, i), &p->an);
	stream_close(&p->streams, &f->stream[0]);
	stream_close(&p->streams, &f->stream[1]);
	f->flags |= FLOW_F_EMITTED;
}

static size_t
ev_bytes(const struct evidence *ev)
{
	return ev->ja4.len + ev->ja4_r.len + ev->ja3_hash.len + ev->alpn.len +
	    ev->user_agent.len + ev->header_order.len + ev->p0f_http.len;
}

/* Copy e's bytes to *at and point e there. */
static void
ev_move(struct ev_str *e, char **at)
{
	if (e->len == 0)
		return;
	memcpy(*at, e->s, e->len);
	e->s = *at;
	*at += e->len;
}

/* Hold the record begun in j (f's, evidence ev, answers tk) until the
 * models' batch is run; the caller made room. */
static void
hold(struct pipeline *p, const struct flow *f, const struct evidence *ev,
    const struct verdict_tickets *tk, const struct json *j,
    enum fp_rec_type type, uint64_t t0)
{
	struct pipeline_pending *q = p->pend;
	struct pending_rec *r = &q->rec[q->n++];
	char *at = q->bytes + q->used;

	r->f = *f;
	r->ev = *ev;
	r->tk = *tk;
	r->j = *j;
	r->t0 = t0;
	r->type = (uint8_t)type;
	r->off = q->used;
	memcpy(at, j->buf, j->len);
	at += j->len;
	ev_move(&r->ev.ja4, &at);
	ev_move(&r->ev.ja4_r, &at);
	ev_move(&r->ev.ja3_hash, &at);
	ev_move(&r->ev.alpn, &at);
	ev_move(&r->ev.user_agent, &at);
	ev_move(&r->ev.header_order, &at);
	ev_move(&r->ev.p0f_http, &at);
	q->used = (size_t)(at - q->bytes);
}

bool
pipeline_holds(const struct pipeline *p)
{
	return p->pend != NULL && p->pend->n > 0;
}

uint64_t
pipeline_held_ns(const struct pipeline *p)
{
	return pipeline_holds(p) ? mono_ns() - p->pend->rec[0].t0 : 0;
}

void
pipeline_flush(struct pipeline *p)
{
	struct pipeline_pending *q = p->pend;

	if (q == NULL || q->n == 0)
		return;
	model_set_run(p->verdict.models);
	for (size_t i = 0; i < q->n; i++) {
		struct pending_rec *r = &q->rec[i];

		memcpy(q->out, q->bytes + r->off, r->j.len);
		r->j.buf = q->out;
		record_verdict(p, &r->f, &r->ev, &r->tk, &r->j, r->t0);
		record_write(p, &r->j, (enum fp_rec_type)r->type);
	}
	model_set_clear(p->verdict.models);
	q->n = 0;
	q->used = 0;
}

/*
 * The verdict of f's record begun in j: at once, unless a model answer it
 * needs is queued for the next batch, or records are held already (they
 * leave in order): then the record is held (true), written by
 * pipeline_flush() when the batch is full, at the end of a read, before
 * a reload and at the end of the input.
 */
static bool
verdict_or_hold(struct pipeline *p, const struct flow *f, struct json *j,
    enum fp_rec_type type, uint64_t t0)
{
	struct pipeline_pending *q = p->pend;
	struct verdict_tickets tk;
	struct evidence ev;
	size_t need;

	gather_evidence(p, f, &ev);
	if (q == NULL || p->verdict.models == NULL) {
		record_verdict(p, f, &ev, NULL, j, t0);
		return false;
	}
	need = j->len + ev_bytes(&ev);
	if (q->n == PIPELINE_PENDING || q->used + need >
	    PIPELINE_PENDING_BYTES)
		pipeline_flush(p);
	if (need > PIPELINE_PENDING_BYTES) {	/* never fits: at once */
		record_verdict(p, f, &ev, NULL, j, t0);
		return false;
	}
	if (!verdict_request(&p->verdict, &ev, f, &tk) && q->n == 0) {
		record_verdict(p, f, &ev, &tk, j, t0);
		return false;
	}
	hold(p, f, &ev, &tk, j, type, t0);
	return true;
}

/* Write f's record and give back what its analyzers hold. */
static void
pipeline_emit(struct pipeline *p, struct flow *f, enum flow_end why)
{
	struct json j;
	enum fp_rec_type type = FP_REC_OTHER;
	uint64_t t0 = p->verdict.models != NULL ? mono_ns() : 0;

	json_init(&j, p->rec, PIPELINE_RECORD_MAX);
	json_obj_open(&j, NULL);
	record_flow(p, f, why, &j);
	for (size_t i = 0; i < p->n_an; i++) {
		const void *st = an_state(p, f, i);
		uint32_t n = j.n_anomalies;

		if (!p->an_list[i]->has_output(st))
			continue;
		p->an_list[i]->emit(st, &p->an, f, &j);
		if ((n = j.n_anomalies - n) != 0) {
			p->an_anomalies[i] += n;
			p->an.n_anomalies += n;
		}
		if (p->an_type[i] > type)
			type = p->an_type[i];
	}
	if (p->verdict.rules != NULL && verdict_or_hold(p, f, &j, type, t0)) {
		release_flow(p, f);
		if (p->pend->n == PIPELINE_PENDING ||
		    model_set_full(p->verdict.models))
			pipeline_flush(p);
		return;
	}
	release_flow(p, f);
	record_write(p, &j, type);
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

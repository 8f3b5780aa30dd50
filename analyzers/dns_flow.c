/* analyzers/dns_flow.c: the dns analyzer: DNS over UDP (found by content
 * on any port) and TCP; the first transaction of a flow in detail (query,
 * EDNS and client subnet, answer, response time), the rest counted. */
#include "analyzers/app.h"

#include <string.h>

#include "analyzers/frag.h"
#include "fmt.h"
#include "sensor/enrich.h"

#define DNS_PORT	53

static const char *const dns_anom_names[] = {
	"pointer_loop", "pointer_out_of_range", "pointer_forward",
	"bad_label_type", "name_too_long", "name_cut", "questions_truncated",
	"answers_truncated", "options_truncated", "multiple_opt",
	"opt_not_root", "opt_not_additional", "bad_rdlength", "bad_ecs",
	"trailing_data", "counts_short", "z_bit", "too_many_records",
};

struct dns_flow {
	struct frag	 fr;		/* first query and its response */
	uint64_t	 query_us;	/* time of the first query */
	uint32_t	 anomalies;	/* DNS_ANOM_* */
	uint16_t	 query_id;
	uint16_t	 n_queries;
	uint16_t	 n_responses;
	bool		 is_dns;
	bool		 not_dns;
	bool		 answered;
};

/* Addresses go through the enrichment, so --anonymize-key covers them. */
static void
json_addr(struct json *j, const char *key, const struct an_ctx *ctx,
    int version, const uint8_t *addr)
{
	char buf[64];

	enrich_addr_str(ctx->enrich, (uint8_t)version, addr, buf, sizeof(buf));
	json_str(j, key, buf);
}

static void
render_query(struct an_ctx *ctx, struct dns_flow *st,
    const struct dns_message *m)
{
	struct json j;

	if (!frag_open(ctx->frags, &st->fr, &j))
		return;
	json_u64(&j, "id", m->id);
	json_u64(&j, "opcode", m->opcode);
	json_bool(&j, "rd", m->is_rd);
	if (m->n_questions > 0) {
		json_str(&j, "qname", m->questions[0].name);
		json_u64(&j, "qtype", m->questions[0].type);
		json_u64(&j, "qclass", m->questions[0].class);
	}
	if (m->has_edns) {
		json_obj_open(&j, "edns");
		json_u64(&j, "udp_size", m->edns.udp_size);
		json_u64(&j, "version", m->edns.version);
		json_bool(&j, "do", m->edns.is_do);
		json_arr_open(&j, "options");
		for (size_t i = 0; i < m->edns.n_options; i++)
			json_u64(&j, NULL, m->edns.options[i].code);
		json_arr_close(&j);
		if (m->edns.has_ecs) {
			json_obj_open(&j, "client_subnet");
			json_u64(&j, "family", m->edns.ecs.family);
			json_u64(&j, "source_prefix", m->edns.ecs.source_prefix);
			if (m->edns.ecs.family == 1 || m->edns.ecs.family == 2)
				json_addr(&j, "address", ctx,
				    m->edns.ecs.family == 1 ? 4 : 6,
				    m->edns.ecs.addr);
			json_obj_close(&j);
		}
		if (m->edns.has_cookie)
			json_bool(&j, "cookie", true);
		json_obj_close(&j);
	}
	frag_close(ctx->frags, &st->fr, &j);
}

static void
render_response(struct an_ctx *ctx, struct dns_flow *st,
    const struct dns_message *m, uint64_t now_us)
{
	struct json j;

	if (!frag_open(ctx->frags, &st->fr, &j))
		return;
	json_u64(&j, "rcode", m->rcode);
	json_bool(&j, "aa", m->is_aa);
	json_bool(&j, "tc", m->is_tc);
	if (now_us != 0 && st->query_us != 0)
		json_fixed(&j, "response_ms", (int64_t)(now_us - st->query_us),
		    3);
	json_arr_open(&j, "answers");
	for (size_t i = 0; i < m->n_answers; i++) {
		const struct dns_rr *rr = &m->answers[i];

		json_obj_open(&j, NULL);
		json_str(&j, "name", rr->name);
		json_u64(&j, "type", rr->type);
		json_u64(&j, "ttl", rr->ttl);
		if (rr->type == 1 && rr->rdlength == 4)
			json_addr(&j, "address", ctx, 4, rr->addr);
		else if (rr->type == 28 && rr->rdlength == 16)
			json_addr(&j, "address", ctx, 6, rr->addr);
		else if (rr->target[0] != '\0')
			json_str(&j, "target", rr->target);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	frag_close(ctx->frags, &st->fr, &j);
}

/* One DNS message of the flow, in either direction. */
static void
dns_message_seen(struct an_ctx *ctx, struct dns_flow *st,
    const struct dns_message *m, int dir, uint64_t now_us)
{
	struct app_ctx *a = ctx->app;

	st->anomalies |= m->anomalies;
	if (!m->is_response && dir == AN_DIR_CLIENT) {
		a->n_dns_queries++;
		if (st->n_queries++ == 0) {
			st->query_id = m->id;
			st->query_us = now_us;
			render_query(ctx, st, m);
		}
	} else if (m->is_response && dir == AN_DIR_SERVER) {
		a->n_dns_responses++;
		st->n_responses++;
		if (!st->answered && st->n_queries > 0 &&
		    m->id == st->query_id) {
			st->answered = true;
			render_response(ctx, st, m, now_us);
		}
	}
}

static bool
dns_packet(void *state, struct an_ctx *ctx, const struct flow *f,
    const struct packet *pkt, int dir)
{
	struct dns_flow *st = state;
	struct app_ctx *a = ctx->app;
	enum dns_status rc;

	(void)f;
	if (a == NULL || st->not_dns)
		return false;
	/* DNS over TCP is taken on port 53 only: a stream's first two bytes
	 * read as a length prefix fit anything.  Its messages come through
	 * dns_stream(). */
	if (pkt->l4_proto == 6) {
		if (pkt->sport != DNS_PORT && pkt->dport != DNS_PORT)
			st->not_dns = true;
		return false;
	}
	if (pkt->payload_len == 0 || pkt->payload_len < pkt->payload_wire_len)
		return true;
	rc = dns_parse(pkt->payload, pkt->payload_len, &a->dns);
	/* By content: a first client datagram that is a well-formed query
	 * with one question, or anything to or from port 53. */
	if (!st->is_dns) {
		bool port = pkt->sport == DNS_PORT || pkt->dport == DNS_PORT;

		if (dir != AN_DIR_CLIENT || rc == DNS_NOT_DNS || (!port &&
		    (rc != DNS_OK || a->dns.is_response ||
		    a->dns.n_questions != 1))) {
			st->not_dns = true;
			return false;
		}
		st->is_dns = true;
	}
	if (rc == DNS_NOT_DNS)
		return true;
	if (rc == DNS_MALFORMED)
		a->n_malformed++;
	dns_message_seen(ctx, st, &a->dns, dir, pkt->ts_us);
	/* Every query answered: the flow is over for DNS's purposes, and
	 * its record need not wait for the UDP idle timeout. */
	if (st->n_queries > 0 && st->n_responses >= st->n_queries)
		ctx->flow_done = true;
	return true;
}

/* DNS over TCP: the first message of each direction (length-prefixed). */
static bool
dns_stream(void *state, struct an_ctx *ctx, int dir, const uint8_t *buf,
    size_t len)
{
	struct dns_flow *st = state;
	struct app_ctx *a = ctx->app;
	size_t used = 0;
	enum dns_status rc;

	if (a == NULL || st->not_dns)
		return false;
	rc = dns_parse_tcp(buf, len, &a->dns, &used);
	if (rc == DNS_NEED_MORE)
		return len < 4096;
	if (rc == DNS_NOT_DNS || (!st->is_dns && (dir != AN_DIR_CLIENT ||
	    a->dns.is_response || a->dns.n_questions != 1))) {
		st->not_dns = !st->is_dns;
		return false;
	}
	st->is_dns = true;
	/* The stream has no packet time: the response time is left out. */
	dns_message_seen(ctx, st, &a->dns, dir, 0);
	return false;
}

static bool
dns_has_output(const void *state)
{
	const struct dns_flow *st = state;

	return st->is_dns;
}

static void
dns_emit(const void *state, const struct an_ctx *ctx, const struct flow *f,
    struct json *j)
{
	const struct dns_flow *st = state;

	(void)f;
	json_obj_open(j, "dns");
	frag_emit(ctx->frags, &st->fr, j);
	json_u64(j, "queries", st->n_queries);
	json_u64(j, "responses", st->n_responses);
	json_anomalies(j, "anomalies", st->anomalies, dns_anom_names,
	    sizeof(dns_anom_names) / sizeof(dns_anom_names[0]));
	json_obj_close(j);
}

static void
dns_end(void *state, struct an_ctx *ctx)
{
	struct dns_flow *st = state;

	frag_release(ctx->frags, &st->fr);
}

const struct analyzer dns_analyzer = {
	.name = "dns",
	.state_size = sizeof(struct dns_flow),
	.packet = dns_packet,
	.stream = dns_stream,
	.has_output = dns_has_output,
	.emit = dns_emit,
	.end = dns_end,
};

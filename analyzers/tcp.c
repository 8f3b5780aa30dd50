/* analyzers/tcp.c: TCP handshake analyzer glue. */
#include "analyzers/tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/p0f_db.h"
#include "analyzers/tcp_sig.h"
#include "mix.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4l.h"
#include "analyzers/ja4t.h"
#endif

#define TCP_OPTS_MAX	40
#define SIDE_CACHE_SLOTS	64	/* direct-mapped */
#define SIDE_CACHE_TEXT		640	/* the members of one side */

_Static_assert(EV_SIG_MAX >= TCP_SIG_STR_MAX, "evidence signature room");
#ifdef FP_JA4PLUS
_Static_assert(EV_JA4T_MAX >= JA4T_STR_MAX, "evidence JA4T room");
#endif

/* One fingerprinted handshake segment. */
struct tcp_side {
	struct tcp_sig	 sig;
	uint16_t	 syn_mss;	/* of the SYN this answers */
	int32_t		 label;		/* p0f label index, -1: none */
	uint32_t	 line;		/* p0f.fp line of the match */
	uint8_t		 dist;
	bool		 fuzzy;
	bool		 bad_ttl;
	bool		 present;
	uint16_t	 n_repeats;	/* retransmissions */
	uint8_t		 opts[TCP_OPTS_MAX];
	uint8_t		 opts_len;
	bool		 sent_data;	/* this side (client, server) has */
};

struct tcp_state {
	struct tcp_side	 side[2];	/* [0] SYN, [1] SYN+ACK */
#ifdef FP_JA4PLUS
	struct ja4l	 ja4l;		/* TCP or QUIC handshake timing */
#endif
};

/* Everything the JSON of a side and its evidence are made of.  Built
 * zeroed, padding included, so that it compares with memcmp.  Of the TCP
 * timestamp only whether it is zero counts; of the options, their kinds,
 * lengths, MSS and window scale (option bodies JA4T does not read are
 * zeroed). */
struct side_key {
	uint64_t	 db_serial;	/* 0: no p0f database */
	struct tcp_sig	 sig;
	uint16_t	 syn_mss;
	uint16_t	 n_repeats;
	int32_t		 label;
	uint32_t	 line;
	uint8_t		 dist;
	bool		 fuzzy;
	bool		 bad_ttl;
	uint8_t		 opts_len;
	uint8_t		 opts[TCP_OPTS_MAX];
};

struct side_entry {
	uint64_t	 hash;
	bool		 used;
	uint16_t	 text_len;
	struct side_key	 key;
	char		 sig[TCP_SIG_STR_MAX];	/* raw_sig */
	char		 text[SIDE_CACHE_TEXT];	/* members, no braces */
#ifdef FP_JA4PLUS
	char		 ja4t[JA4T_STR_MAX];
#endif
};

struct tcp_ctx {
	uint64_t		 n_hits;
	uint64_t		 n_misses;
	struct side_entry	 e[SIDE_CACHE_SLOTS];
};

struct tcp_ctx *
tcp_ctx_new(void)
{
	return calloc(1, sizeof(struct tcp_ctx));
}

void
tcp_ctx_free(struct tcp_ctx *t)
{
	free(t);
}

void
tcp_ctx_stats(const struct tcp_ctx *t, FILE *fp)
{
	if (t == NULL)
		return;
	fprintf(fp, "tcp_render_cache_hits=%llu\n",
	    (unsigned long long)t->n_hits);
	fprintf(fp, "tcp_render_cache_misses=%llu\n",
	    (unsigned long long)t->n_misses);
}

#ifdef FP_JA4PLUS
/* JA4L from every packet until its timestamps are in: TCP flags, or the
 * QUIC long-header type of a UDP datagram. */
static void
tcp_latency(struct tcp_state *st, const struct packet *pkt)
{
	if (ja4l_done(&st->ja4l))
		return;
	if (pkt->l4_proto == 6)
		ja4l_tcp(&st->ja4l, pkt->tcp_flags, pkt->ts_us, pkt->ttl);
	else if (pkt->l4_proto == 17)
		ja4l_quic(&st->ja4l, ja4l_quic_kind(pkt->payload,
		    pkt->payload_len, pkt->sport, pkt->dport), pkt->ts_us,
		    pkt->ttl);
}
#endif

static void
tcp_fingerprint(struct tcp_side *s, const struct an_ctx *ctx,
    const struct packet *pkt, uint16_t syn_mss)
{
	struct p0f_match m;

	tcp_sig_from_packet(pkt, &s->sig);
	s->syn_mss = syn_mss;
	s->opts_len = pkt->tcp_opts_len;
	memcpy(s->opts, pkt->tcp_opts, s->opts_len);
	p0f_db_match_tcp(ctx->p0f, &s->sig, syn_mss, &m);
	s->label = m.entry ? (int32_t)m.entry->label : -1;
	s->line = m.entry ? m.entry->line : 0;
	s->bad_ttl = m.entry ? m.entry->bad_ttl : false;
	s->fuzzy = m.fuzzy;
	s->dist = ctx->p0f ? m.dist : tcp_sig_guess_dist(s->sig.ttl);
	s->present = true;
}

/* Packets matter until the handshake is over: once both sides have sent
 * data, each has seen the other's SYN, so a SYN or SYN+ACK after that is
 * a stray duplicate, not a retransmission worth counting.  JA4L, when
 * built, wants its packets too. */
static bool
tcp_packet(void *state, struct an_ctx *ctx, const struct flow *f,
    const struct packet *pkt, int dir)
{
	struct tcp_state *st = state;
	struct tcp_side *s;
	bool is_synack, more;

	(void)f;
#ifdef FP_JA4PLUS
	tcp_latency(st, pkt);
	more = !ja4l_done(&st->ja4l);
#else
	more = false;
#endif
	if (pkt->l4_proto != 6)
		return more;
	if (pkt->payload_len > 0)
		st->side[dir].sent_data = true;
	more = more || !st->side[0].sent_data || !st->side[1].sent_data;
	if (!tcp_sig_eligible(pkt, &is_synack))
		return more;
	/* A SYN comes from the client, a SYN+ACK from the server; the
	 * other way round is a simultaneous open, not fingerprinted. */
	if (dir != (is_synack ? AN_DIR_SERVER : AN_DIR_CLIENT))
		return more;
	s = &st->side[is_synack];
	if (s->present) {
		if (s->n_repeats < UINT16_MAX)
			s->n_repeats++;
		return more;
	}
	tcp_fingerprint(s, ctx, pkt,
	    is_synack && st->side[0].present ? st->side[0].sig.mss : 0);
	return more;
}

static bool
tcp_has_output(const void *state)
{
	const struct tcp_state *st = state;

#ifdef FP_JA4PLUS
	if (ja4l_done(&st->ja4l))
		return true;
#endif
	return st->side[0].present || st->side[1].present;
}

/* The members of side s (raw_sig first, JA4T last). */
static void
render_side(const struct tcp_side *s, const struct an_ctx *ctx,
    const char *sig, struct json *j)
{
	char buf[TCP_SIG_STR_MAX];
	const struct p0f_label *l;

	json_str(j, "raw_sig", sig);
	if (ctx->p0f != NULL && s->label >= 0) {
		l = &ctx->p0f->labels[s->label];
		p0f_label_str(l, buf, sizeof(buf));
		json_str(j, l->is_userland ? "app" : "os", buf);
		json_str(j, "os_class", l->is_userland ? "!" : l->class_name);
		json_str(j, "match", s->fuzzy ? "fuzzy" :
		    l->generic ? "generic" : "exact");
		json_u64(j, "p0f_line", s->line);
	} else {
		json_str(j, "match", "none");
	}
	if (ctx->p0f != NULL) {
		struct p0f_match m = { 0 };
		struct p0f_tcp_entry e = { .bad_ttl = s->bad_ttl };

		if (s->label >= 0) {
			m.entry = &e;
			m.label = &ctx->p0f->labels[s->label];
		}
		m.fuzzy = s->fuzzy;
		m.dist = s->dist;
		p0f_match_params(&m, &s->sig, buf, sizeof(buf));
		json_str(j, "params", buf);
	}
	json_u64(j, "dist", s->dist);
	if (s->bad_ttl)
		json_bool(j, "dist_is_upper_bound", true);
	/* TTL, MSS, scale, options and quirks are all in raw_sig; the window
	 * is given apart because raw_sig may show it as a multiple. */
	json_u64(j, "win", s->sig.win);
	if (s->sig.mss != 0) {
		uint16_t mtu = (uint16_t)(s->sig.mss +
		    (s->sig.ip_version == 4 ? 40 : 60));
		const char *link = p0f_db_mtu_link(ctx->p0f, mtu);

		json_u64(j, "mtu", mtu);
		if (link != NULL)
			json_str(j, "link", link);
	}
	if (s->n_repeats)
		json_u64(j, "retransmits", s->n_repeats);
#ifdef FP_JA4PLUS
	char ja4t[JA4T_STR_MAX];

	ja4t_format(s->sig.win, s->opts, s->opts_len, ja4t, sizeof(ja4t));
	json_str(j, s->sig.is_synack ? "ja4ts" : "ja4t", ja4t);
#endif
}

/* s's cache key: the options with the bodies JA4T skips zeroed, walked
 * as ja4t_format() walks them. */
static void
side_key(const struct tcp_side *s, const struct an_ctx *ctx,
    struct side_key *k)
{
	size_t i = 0;

	memset(k, 0, sizeof(*k));
	k->db_serial = ctx->p0f != NULL ? ctx->p0f->serial : 0;
	memcpy(&k->sig, &s->sig, sizeof(k->sig));
	k->sig.ts1 = s->sig.ts1 != 0;
	k->syn_mss = s->syn_mss;
	k->n_repeats = s->n_repeats;
	k->label = s->label;
	k->line = s->line;
	k->dist = s->dist;
	k->fuzzy = s->fuzzy;
	k->bad_ttl = s->bad_ttl;
	k->opts_len = s->opts_len;
	memcpy(k->opts, s->opts, s->opts_len);
	while (i < k->opts_len) {
		uint8_t kind = k->opts[i++], olen;

		if (kind == 0 || kind == 1)
			continue;
		if (i >= k->opts_len || (olen = k->opts[i++]) < 2)
			break;
		if (kind != 2 && kind != 3) {
			size_t n = olen - 2u;

			if (n > (size_t)(k->opts_len - i))
				n = (size_t)(k->opts_len - i);
			memset(k->opts + i, 0, n);
		}
		i += olen - 2u;
	}
}

/* s's entry in the cache, rendered if it was not there; NULL without a
 * cache or when the side does not fit an entry. */
static const struct side_entry *
side_lookup(const struct tcp_side *s, const struct an_ctx *ctx)
{
	struct tcp_ctx *t = ctx->tcp;
	struct side_key k;
	struct side_entry *e;
	struct json ej;
	uint64_t h;

	if (t == NULL)
		return NULL;
	side_key(s, ctx, &k);
	h = mix64_bytes(&k, sizeof(k));
	e = &t->e[h % SIDE_CACHE_SLOTS];
	if (e->used && e->hash == h && memcmp(&e->key, &k, sizeof(k)) == 0) {
		t->n_hits++;
		return e;
	}
	t->n_misses++;
	e->used = false;
	tcp_sig_format(&s->sig, s->syn_mss, e->sig, sizeof(e->sig));
	json_init_members(&ej, e->text, sizeof(e->text));
	render_side(s, ctx, e->sig, &ej);
	if (ej.overflow)
		return NULL;
#ifdef FP_JA4PLUS
	ja4t_format(s->sig.win, s->opts, s->opts_len, e->ja4t,
	    sizeof(e->ja4t));
#endif
	e->text_len = (uint16_t)ej.len;
	e->key = k;
	e->hash = h;
	e->used = true;
	return e;
}

static void
tcp_emit_side(const struct tcp_side *s, const struct an_ctx *ctx,
    const char *key, struct json *j)
{
	const struct side_entry *e = side_lookup(s, ctx);

	json_obj_open(j, key);
	if (e != NULL) {
		json_members(j, e->text, e->text_len);
	} else {
		char sig[TCP_SIG_STR_MAX];

		tcp_sig_format(&s->sig, s->syn_mss, sig, sizeof(sig));
		render_side(s, ctx, sig, j);
	}
	json_obj_close(j);
}

static void
tcp_emit(const void *state, const struct an_ctx *ctx, const struct flow *f,
    struct json *j)
{
	const struct tcp_state *st = state;

	/* A UDP flow has only JA4L (QUIC) to say, in a "udp" object. */
	json_obj_open(j, f->key.proto == 17 ? "udp" : "tcp");
	if (st->side[0].present)
		tcp_emit_side(&st->side[0], ctx, "syn", j);
	if (st->side[1].present)
		tcp_emit_side(&st->side[1], ctx, "synack", j);
#ifdef FP_JA4PLUS
	char buf[JA4L_STR_MAX];
	bool is_quic = f->key.proto == 17;

	if (ja4l_format(&st->ja4l, false, is_quic, buf, sizeof(buf)) > 0)
		json_str(j, "ja4l_c", buf);
	if (ja4l_format(&st->ja4l, true, is_quic, buf, sizeof(buf)) > 0)
		json_str(j, "ja4l_s", buf);
#endif
	json_obj_close(j);
}

/* The client's SYN: signature, p0f label and JA4T, copied. */
static void
tcp_evidence(const void *state, const struct an_ctx *ctx, struct evidence *ev)
{
	const struct tcp_side *s = &((const struct tcp_state *)state)->side[0];
	const struct p0f_label *l;
	const struct side_entry *e;

	if (!s->present)
		return;
	ev->have |= EV_TCP;
	e = side_lookup(s, ctx);
	if (e != NULL)
		memcpy(ev->tcp_sig, e->sig, sizeof(e->sig));
	else
		tcp_sig_format(&s->sig, s->syn_mss, ev->tcp_sig,
		    sizeof(ev->tcp_sig));
	ev->tcp_p0f[0] = ev->tcp_p0f_class[0] = '\0';
	if (ctx->p0f != NULL && s->label >= 0) {
		l = &ctx->p0f->labels[s->label];
		p0f_label_str(l, ev->tcp_p0f, sizeof(ev->tcp_p0f));
		snprintf(ev->tcp_p0f_class, sizeof(ev->tcp_p0f_class), "%s",
		    l->is_userland ? "!" : l->class_name);
	}
	ev->ja4t[0] = '\0';
#ifdef FP_JA4PLUS
	if (e != NULL)
		memcpy(ev->ja4t, e->ja4t, sizeof(e->ja4t));
	else
		ja4t_format(s->sig.win, s->opts, s->opts_len, ev->ja4t,
		    sizeof(ev->ja4t));
#endif
}

const struct analyzer tcp_analyzer = {
	.name = "tcp",
	.state_size = sizeof(struct tcp_state),
	.packet = tcp_packet,
	.has_output = tcp_has_output,
	.emit = tcp_emit,
	.evidence = tcp_evidence,
};

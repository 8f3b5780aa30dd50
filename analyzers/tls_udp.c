/* analyzers/tls_udp.c: TLS hellos carried over UDP: QUIC v1/v2 Initial
 * packets (decrypted, CRYPTO frames reassembled) and DTLS.  Detection is by
 * content, on any port, from the client's first datagrams. */
#include "analyzers/tls.h"

#include <string.h>

#include "analyzers/quic.h"
#include "analyzers/tls_record.h"

#define UDP_TLS_MAX_DATAGRAMS	8	/* client datagrams looked at */

enum udp_tls_kind {
	KIND_UNKNOWN = 0,
	KIND_QUIC,
	KIND_DTLS,
	KIND_NONE,
};


struct tls_udp_flow {
	struct tls_frags fr;
	uint32_t	 quic_slot;	/* slab handle, 0: none */
	uint32_t	 version;	/* QUIC version */
	uint32_t	 anomalies;	/* QUIC_ANOM_* */
	uint32_t	 hello_anoms;	/* TLS_ANOM_* */
	uint32_t	 rec_anoms;	/* TLS_REC_ANOM_* */
	uint8_t		 kind;		/* enum udp_tls_kind */
	uint8_t		 n_datagrams;
	uint8_t		 n_initials;
	bool		 client_done;
	bool		 server_done;
	bool		 auth_failed;
	/* DTLS: the hello being reassembled from fragments, per side. */
	bool		 dtls_frag[2];	/* a fragment of it was taken */
	uint16_t	 dtls_seq[2];	/* its message_seq */
	uint32_t	 dtls_len[2];	/* its length */
};

static struct tls_quic_slot *
quic_slot(struct tls_ctx *t, struct tls_udp_flow *st)
{
	struct tls_quic_slot *q;

	if (st->quic_slot != 0)
		return slab_ptr(&t->quic, st->quic_slot);
	if ((st->quic_slot = slab_alloc(&t->quic)) == 0)
		return NULL;
	q = slab_ptr(&t->quic, st->quic_slot);
	for (int i = 0; i < 2; i++) {
		memset(&q->keys[i], 0, sizeof(q->keys[i]));
		q->crypto[i].n_ranges = 0;
		q->crypto[i].anomalies = 0;
	}
	return q;
}

/* One Initial-carrying datagram of either side.  The server's keys come
 * from the DCID the client chose, so they exist once the client's do. */
static void
quic_datagram(struct tls_ctx *t, struct tls_udp_flow *st,
    const struct packet *pkt, int dir)
{
	struct tls_quic_slot *q;
	struct quic_datagram dg;
	enum quic_status rc;
	size_t msg_len;

	if (t->quic_ctx == NULL || (q = quic_slot(t, st)) == NULL) {
		st->client_done = st->server_done = true;
		return;
	}
	if (dir == AN_DIR_SERVER) {
		if (!q->keys[0].is_valid)
			return;
		if (!q->keys[1].is_valid && quic_keys_derive_side(t->quic_ctx,
		    q->keys[0].version, q->keys[0].dcid, q->keys[0].dcid_len,
		    true, &q->keys[1]) != 0)
			return;
	}
	rc = quic_parse_datagram(t->quic_ctx, pkt->payload, pkt->payload_len,
	    &q->keys[dir], &q->crypto[dir], &dg);
	st->anomalies |= dg.anomalies | q->crypto[dir].anomalies;
	if (st->version == 0 && dir == AN_DIR_CLIENT)
		st->version = dg.version;
	if (dir == AN_DIR_CLIENT)
		st->n_initials += dg.n_initials;
	t->n_quic_initials += dg.n_initials;
	if (rc == QUIC_AUTH_FAILED) {
		st->auth_failed = true;
		t->n_quic_auth_failed++;
	}
	if (!quic_crypto_msg_complete(&q->crypto[dir],
	    dir == AN_DIR_CLIENT ? TLS_HS_CLIENT_HELLO : TLS_HS_SERVER_HELLO,
	    &msg_len))
		return;
	if (dir == AN_DIR_CLIENT) {
		if (tls_parse_client_hello(q->crypto[0].data + 4, msg_len - 4,
		    &t->ch) != TLS_OK)
			t->n_malformed++;
		st->hello_anoms |= t->ch.anomalies;
		tls_render_client(t, &st->fr, &t->ch, 'q');
		st->client_done = true;
	} else {
		if (tls_parse_server_hello(q->crypto[1].data + 4, msg_len - 4,
		    &t->sh) != TLS_OK)
			t->n_malformed++;
		st->hello_anoms |= t->sh.anomalies;
		tls_render_server(t, &st->fr, &t->sh, 'q');
		st->server_done = true;
	}
	if (st->client_done && st->server_done)
		slab_release(&t->quic, &st->quic_slot);
}

/* Fingerprint a complete DTLS hello body of side dir. */
static void
dtls_hello(struct tls_ctx *t, struct tls_udp_flow *st, int dir,
    const uint8_t *body, size_t len)
{
	if (dir == AN_DIR_CLIENT) {
		dtls_parse_client_hello(body, len, &t->ch);
		st->hello_anoms |= t->ch.anomalies;
		tls_render_client(t, &st->fr, &t->ch, 'd');
		st->client_done = true;
	} else {
		tls_parse_server_hello(body, len, &t->sh);
		t->sh.is_dtls = true;
		st->hello_anoms |= t->sh.anomalies;
		tls_render_server(t, &st->fr, &t->sh, 'd');
		st->server_done = true;
	}
}

/* One fragment of the side's hello (RFC 6347 4.2.3): kept in the flow's
 * reassembly slot behind a TLS-style 4-byte header, at 4 + its offset, in
 * any order and over any number of records and datagrams.  Only the first
 * hello's message_seq is taken, so the ClientHello that follows a
 * HelloVerifyRequest does not mix with the first one. */
static void
dtls_fragment(struct tls_ctx *t, struct tls_udp_flow *st, int dir,
    const struct dtls_hs *hs)
{
	struct tls_quic_slot *q;
	struct quic_crypto_buf *buf;
	size_t msg_len;

	if (st->dtls_frag[dir] && (hs->message_seq != st->dtls_seq[dir] ||
	    hs->msg_len != st->dtls_len[dir])) {
		if (hs->message_seq == st->dtls_seq[dir])
			st->rec_anoms |= TLS_REC_ANOM_DTLS_FRAGMENTS;
		return;
	}
	if ((q = quic_slot(t, st)) == NULL)
		return;		/* counted: quic_slots_exhausted */
	buf = &q->crypto[dir];
	if (!st->dtls_frag[dir]) {
		uint8_t hdr[4] = { hs->type, (uint8_t)(hs->msg_len >> 16),
		    (uint8_t)(hs->msg_len >> 8), (uint8_t)hs->msg_len };

		st->dtls_frag[dir] = true;
		st->dtls_seq[dir] = hs->message_seq;
		st->dtls_len[dir] = hs->msg_len;
		quic_crypto_add(buf, 0, hdr, sizeof(hdr));
	}
	if (quic_crypto_add(buf, 4 + (uint64_t)hs->frag_off, hs->frag,
	    hs->frag_len) != 0)
		st->rec_anoms |= TLS_REC_ANOM_DTLS_FRAGMENTS;
	if (quic_crypto_msg_complete(buf, hs->type, &msg_len)) {
		dtls_hello(t, st, dir, buf->data + 4, msg_len - 4);
		slab_release(&t->quic, &st->quic_slot);
	}
}

/* The DTLS hellos of one datagram, from either side: whole messages
 * directly, fragments through dtls_fragment(). */
static void
dtls_datagram(struct tls_ctx *t, struct tls_udp_flow *st,
    const struct packet *pkt, int dir)
{
	struct dtls_record rec;
	size_t pos = 0;
	uint8_t want = dir == AN_DIR_CLIENT ? TLS_HS_CLIENT_HELLO :
	    TLS_HS_SERVER_HELLO;

	while (dtls_record_next(pkt->payload, pkt->payload_len, &pos, &rec) ==
	    TLS_OK) {
		struct dtls_hs hs;
		size_t hpos = 0;

		if (rec.type != TLS_CT_HANDSHAKE)
			continue;
		while (dtls_hs_parse(rec.fragment, rec.len, &hpos, &hs) ==
		    TLS_OK) {
			bool done = dir == AN_DIR_CLIENT ? st->client_done :
			    st->server_done;

			if (hs.type != want || done)
				continue;
			if (hs.is_complete && !st->dtls_frag[dir])
				dtls_hello(t, st, dir, hs.frag, hs.frag_len);
			else
				dtls_fragment(t, st, dir, &hs);
		}
	}
}

static bool
udp_packet(void *state, struct an_ctx *ctx, const struct flow *f,
    const struct packet *pkt, int dir)
{
	struct tls_udp_flow *st = state;
	struct tls_ctx *t = ctx->tls;

	(void)f;
	if (t == NULL || pkt->l4_proto != 17 || st->kind == KIND_NONE ||
	    (st->client_done && st->server_done))
		return false;
	if (pkt->payload_len == 0)
		return true;
	if (dir == AN_DIR_CLIENT && ++st->n_datagrams > UDP_TLS_MAX_DATAGRAMS) {
		/* Enough looking: what was not seen by now will not be. */
		if (st->kind == KIND_UNKNOWN)
			st->kind = KIND_NONE;
		st->client_done = st->server_done = true;
		slab_release(&t->quic, &st->quic_slot);
		return false;
	}
	if (st->kind == KIND_UNKNOWN) {
		/* Decided by the client's datagrams; other protocols (STUN,
		 * say) may come first on the same flow. */
		if (dir != AN_DIR_CLIENT)
			return true;
		if (quic_is_initial_candidate(pkt->payload, pkt->payload_len))
			st->kind = KIND_QUIC;
		else if (pkt->payload_len >= 13 && pkt->payload[0] ==
		    TLS_CT_HANDSHAKE && (pkt->payload[1] == 0xfe ||
		    (pkt->payload[1] == 0x01 && pkt->payload[2] == 0x00)))
			st->kind = KIND_DTLS;
		else
			return true;
	}
	if (st->kind == KIND_QUIC) {
		if (!(dir == AN_DIR_CLIENT ? st->client_done :
		    st->server_done) &&
		    quic_is_initial_candidate(pkt->payload, pkt->payload_len))
			quic_datagram(t, st, pkt, dir);
	} else if (st->kind == KIND_DTLS) {
		dtls_datagram(t, st, pkt, dir);
	}
	return !(st->client_done && st->server_done);
}

static bool
udp_has_output(const void *state)
{
	const struct tls_udp_flow *st = state;

	return st->kind == KIND_QUIC || (st->kind == KIND_DTLS &&
	    (st->fr.side[0].slot || st->fr.side[1].slot));
}

static void
udp_emit(const void *state, const struct an_ctx *ctx, const struct flow *f,
    struct json *j)
{
	const struct tls_udp_flow *st = state;

	(void)f;
	json_obj_open(j, "tls");
	json_str(j, "transport", st->kind == KIND_QUIC ? "quic" : "dtls");
	if (ctx->tls != NULL)
		tls_emit_frags(ctx->tls, &st->fr, j);
	if (st->kind == KIND_QUIC) {
		char v[12];
		static const char hex[] = "0123456789abcdef";

		v[0] = '0';
		v[1] = 'x';
		for (int i = 0; i < 8; i++)
			v[2 + i] = hex[st->version >> (28 - 4 * i) & 15];
		json_strn(j, "quic_version", v, 10);
		json_u64(j, "quic_initials", st->n_initials);
		if (st->auth_failed)
			json_bool(j, "quic_auth_failed", true);
	}
	tls_emit_anomalies(j, "anomalies", st->hello_anoms, st->rec_anoms);
	json_obj_close(j);
}

static void
udp_evidence(const void *state, const struct an_ctx *ctx, struct evidence *ev)
{
	const struct tls_udp_flow *st = state;

	tls_frags_evidence(ctx->tls, &st->fr, ev);
}

static void
udp_end(void *state, struct an_ctx *ctx)
{
	struct tls_udp_flow *st = state;

	if (ctx->tls == NULL)
		return;
	tls_release_frags(ctx->tls, &st->fr);
	slab_release(&ctx->tls->quic, &st->quic_slot);
}

const struct analyzer tls_udp_analyzer = {
	.name = "tls_udp",
	.state_size = sizeof(struct tls_udp_flow),
	.packet = udp_packet,
	.has_output = udp_has_output,
	.emit = udp_emit,
	.evidence = udp_evidence,
	.end = udp_end,
};

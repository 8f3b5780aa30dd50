/* analyzers/tls_record.c: TLS/DTLS record and handshake framing. */
#include "analyzers/tls_record.h"

#include <string.h>

#include "cursor.h"

void
tls_record_init(struct tls_record_state *st, uint8_t *hs_buf, size_t hs_cap)
{
	memset(st, 0, sizeof(*st));
	st->hs_buf = hs_buf;
	st->hs_cap = hs_buf != NULL ? hs_cap : 0;
}

/* Could b[0..len) start a TLS record stream?  Checks as many header bytes
 * as are present; TLS_NEED_MORE only when every present byte was fine. */
static enum tls_status
probe_tls(const uint8_t *b, size_t len)
{
	size_t rlen;

	if (len < 2)
		return TLS_NEED_MORE;
	if (b[1] != 3)
		return TLS_NOT_TLS;
	if (len < 3)
		return TLS_NEED_MORE;
	if (b[2] > 4)
		return TLS_NOT_TLS;
	if (len < 5)
		return TLS_NEED_MORE;
	rlen = (size_t)b[3] << 8 | b[4];
	if (rlen == 0 || rlen > TLS_RECORD_MAX_LEN)
		return TLS_NOT_TLS;
	if (len < 6)
		return TLS_NEED_MORE;
	if (b[0] == TLS_CT_HANDSHAKE)	/* a stream opens with a hello */
		return b[5] == TLS_HS_CLIENT_HELLO ||
		    b[5] == TLS_HS_SERVER_HELLO ? TLS_OK : TLS_NOT_TLS;
	/* An alert: level warning (1) or fatal (2), two bytes long. */
	return rlen == 2 && (b[5] == 1 || b[5] == 2) ? TLS_OK : TLS_NOT_TLS;
}

/* SSLv2 two-byte record header, then CLIENT-HELLO (RFC 6101 appendix E). */
static enum tls_status
probe_sslv2(const uint8_t *b, size_t len)
{
	size_t rlen;

	if (len < 3)
		return TLS_NEED_MORE;
	rlen = (size_t)(b[0] & 0x7f) << 8 | b[1];
	if (b[2] != TLS_HS_CLIENT_HELLO || rlen < 9)
		return TLS_NOT_TLS;
	if (len < 5)
		return TLS_NEED_MORE;
	if (b[3] == 0x00 && b[4] == 0x02)
		return TLS_OK;
	return b[3] == 0x03 && b[4] <= 4 ? TLS_OK : TLS_NOT_TLS;
}

enum tls_status
tls_record_probe(const uint8_t *stream, size_t len)
{
	if (len == 0)
		return TLS_NEED_MORE;
	if (stream[0] == TLS_CT_HANDSHAKE || stream[0] == TLS_CT_ALERT)
		return probe_tls(stream, len);
	if (stream[0] & 0x80)
		return probe_sslv2(stream, len);
	return TLS_NOT_TLS;
}

/* Append n handshake bytes; false (and the overflow bit) when they do not
 * all fit, in which case as many as fit were copied. */
static bool
gather(struct tls_record_state *st, const uint8_t *p, size_t n)
{
	size_t room = st->hs_cap - st->hs_len;
	size_t take = n < room ? n : room;

	if (take > 0)
		memcpy(st->hs_buf + st->hs_len, p, take);
	st->hs_len += take;
	if (take == n)
		return true;
	st->anomalies |= TLS_REC_ANOM_HS_OVERFLOW;
	return false;
}

static enum tls_status
feed_sslv2(struct tls_record_state *st, const uint8_t *stream, size_t len)
{
	size_t rlen;

	if (len < 5)			/* the probe needed as much */
		return TLS_NEED_MORE;
	rlen = (size_t)(stream[0] & 0x7f) << 8 | stream[1];
	if (len - 2 < rlen)
		return TLS_NEED_MORE;
	(void)gather(st, stream + 2, rlen);
	st->consumed = 2 + rlen;
	st->n_records = 1;
	st->is_sslv2 = true;
	st->first_version = (uint16_t)(stream[3] << 8 | stream[4]);
	st->anomalies |= TLS_REC_ANOM_SSLV2_HELLO;
	st->is_done = true;
	return TLS_OK;
}

/* TLS 1.3 middlebox compatibility (RFC 8446 D.4) puts a dummy
 * ChangeCipherSpec before a second, plaintext ClientHello (after a
 * HelloRetryRequest) or ServerHello (after the HRR).  Before TLS 1.3 the
 * handshake record after ChangeCipherSpec is the encrypted Finished.  So
 * after a ChangeCipherSpec a handshake record is followed only when it
 * starts like a hello: type 1 or 2, length < 64 KiB, version 3.x. */
static bool
is_plain_hello(const uint8_t *p, size_t n)
{
	return n >= 6 && (p[0] == TLS_HS_CLIENT_HELLO ||
	    p[0] == TLS_HS_SERVER_HELLO) && p[1] == 0 && p[4] == 3 && p[5] <= 4;
}

static enum tls_status
fail(struct tls_record_state *st, uint32_t anomaly)
{
	st->anomalies |= anomaly;
	st->is_bad = true;
	return TLS_MALFORMED;
}

enum tls_status
tls_record_feed(struct tls_record_state *st, const uint8_t *stream,
    size_t len)
{
	enum tls_status s;

	if (st->is_bad)
		return st->is_tls ? TLS_MALFORMED : TLS_NOT_TLS;
	if (st->is_done)
		return TLS_OK;
	if (!st->is_tls) {
		if ((s = tls_record_probe(stream, len)) == TLS_NEED_MORE)
			return s;
		if (s == TLS_NOT_TLS) {
			st->is_bad = true;
			return s;
		}
		st->is_tls = true;
		st->first_version = (uint16_t)(stream[1] << 8 | stream[2]);
	}
	if (len > 0 && stream[0] & 0x80)	/* TLS starts 0x15 or 0x16 */
		return feed_sslv2(st, stream, len);
	while (len > st->consumed) {
		struct cursor c = cur_init(stream + st->consumed,
		    len - st->consumed);
		uint8_t type = cur_u8(&c);
		uint16_t version = cur_be16(&c);
		uint16_t rlen = cur_be16(&c);

		if (c.bad)
			return TLS_NEED_MORE;	/* partial record header */
		if (type < TLS_CT_CHANGE_CIPHER_SPEC || type > TLS_CT_HEARTBEAT)
			return fail(st, TLS_REC_ANOM_BAD_TYPE);
		if (version >> 8 != 3)
			return fail(st, TLS_REC_ANOM_BAD_VERSION);
		if (rlen > TLS_RECORD_MAX_LEN)
			return fail(st, TLS_REC_ANOM_TOO_LONG);
		if (cur_left(&c) < rlen)
			return TLS_NEED_MORE;
		st->consumed += 5 + (size_t)rlen;
		st->n_records++;
		if (type == TLS_CT_HANDSHAKE && st->saw_ccs &&
		    !is_plain_hello(c.p, rlen)) {
			st->stop_type = TLS_CT_CHANGE_CIPHER_SPEC;
			st->is_done = true;
			return TLS_OK;
		}
		if (type == TLS_CT_HANDSHAKE) {
			if (rlen == 0)
				st->anomalies |= TLS_REC_ANOM_EMPTY_HS;
			if (!gather(st, c.p, rlen)) {
				st->is_done = true;
				return TLS_OK;
			}
		} else if (type == TLS_CT_HEARTBEAT) {
			st->anomalies |= TLS_REC_ANOM_HEARTBEAT;
		} else if (type == TLS_CT_ALERT && rlen == 2 && c.p[0] == 1 &&
		    c.p[1] != 0) {
			/* A warning such as unrecognized_name may come before
			 * the ServerHello; close_notify (0) ends the walk. */
			st->anomalies |= TLS_REC_ANOM_WARNING_ALERT;
		} else if (type == TLS_CT_CHANGE_CIPHER_SPEC && !st->saw_ccs) {
			st->saw_ccs = true;	/* see is_plain_hello() */
		} else {
			st->stop_type = type;
			st->is_done = true;
			return TLS_OK;
		}
	}
	return TLS_NEED_MORE;
}

enum tls_status
tls_hs_next(const uint8_t *hs, size_t hs_len, size_t *pos,
    struct tls_hs_msg *out)
{
	struct cursor c;
	uint8_t type;
	uint32_t len;

	if (*pos >= hs_len)
		return TLS_NEED_MORE;
	c = cur_init(hs + *pos, hs_len - *pos);
	type = cur_u8(&c);
	len = cur_be24(&c);
	if (c.bad || cur_left(&c) < len)
		return TLS_NEED_MORE;
	out->type = type;
	out->len = len;
	out->body = c.p;
	*pos += 4 + (size_t)len;
	return TLS_OK;
}

enum tls_status
dtls_record_next(const uint8_t *dgram, size_t len, size_t *pos,
    struct dtls_record *out)
{
	struct cursor c;
	uint8_t type;
	uint16_t version, epoch, rlen;
	uint64_t seq;
	size_t avail;

	if (*pos >= len)
		return TLS_NEED_MORE;
	avail = len - *pos;
	c = cur_init(dgram + *pos, avail);
	type = cur_u8(&c);
	version = cur_be16(&c);
	epoch = cur_be16(&c);
	seq = (uint64_t)cur_be16(&c) << 32;
	seq |= cur_be32(&c);
	rlen = cur_be16(&c);
	/* DTLS 1.x is 0xfeXX; 0x0100 is OpenSSL's pre-0.9.8f DTLS 1.0. */
	if (type < TLS_CT_CHANGE_CIPHER_SPEC || type > TLS_CT_HEARTBEAT ||
	    (avail >= 3 && dgram[*pos + 1] != 0xfe &&
	    !(dgram[*pos + 1] == 0x01 && dgram[*pos + 2] == 0x00)))
		return TLS_NOT_TLS;
	if (c.bad || cur_left(&c) < rlen)
		return TLS_MALFORMED;
	out->type = type;
	out->version = version;
	out->epoch = epoch;
	out->seq = seq;
	out->len = rlen;
	out->fragment = c.p;
	*pos += 13 + (size_t)rlen;
	return TLS_OK;
}

enum tls_status
dtls_hs_parse(const uint8_t *rec, size_t len, size_t *pos,
    struct dtls_hs *out)
{
	struct cursor c;
	struct dtls_hs h;

	if (*pos >= len)
		return TLS_NEED_MORE;
	c = cur_init(rec + *pos, len - *pos);
	h.type = cur_u8(&c);
	h.msg_len = cur_be24(&c);
	h.message_seq = cur_be16(&c);
	h.frag_off = cur_be24(&c);
	h.frag_len = cur_be24(&c);
	if (c.bad || h.frag_off + h.frag_len > h.msg_len ||
	    cur_left(&c) < h.frag_len)
		return TLS_MALFORMED;
	h.frag = c.p;
	h.is_complete = h.frag_off == 0 && h.frag_len == h.msg_len;
	*out = h;
	*pos += 12 + (size_t)h.frag_len;
	return TLS_OK;
}

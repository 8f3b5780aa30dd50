/* analyzers/ja4l.c: JA4L-C / JA4L-S (FoxIO License 1.1): handshake timing
 * state machines for TCP and QUIC. */
#include "analyzers/ja4l.h"

#include <inttypes.h>
#include <stdio.h>

#include "fmt.h"

#define QUIC_V1		0x00000001u
#define QUIC_PORT	443

#define SYN	0x02
#define ACK	0x10

/* The two steps TCP and QUIC share: A, the client's first packet (its
 * time and TTL), then B, the server's answer.  True when l was in one of
 * them (whether or not this packet moved it on). */
static bool
ja4l_first_steps(struct ja4l *l, bool is_a, bool is_b, uint64_t ts_us,
    uint8_t ttl)
{
	switch (l->state) {
	case JA4L_WANT_A:
		if (is_a) {
			l->t[0] = ts_us;
			l->ttl_c = ttl;
			l->state = JA4L_WANT_B;
		}
		return true;
	case JA4L_WANT_B:
		if (is_b) {
			l->t[1] = ts_us;
			l->ttl_s = ttl;
			l->state = JA4L_WANT_C;
		}
		return true;
	default:
		return false;
	}
}

void
ja4l_tcp(struct ja4l *l, uint8_t tcp_flags, uint64_t ts_us, uint8_t ttl)
{
	uint8_t fl = tcp_flags & (SYN | ACK);

	if (ja4l_first_steps(l, fl == SYN, fl == (SYN | ACK), ts_us, ttl))
		return;
	if (l->state == JA4L_WANT_C && fl == ACK) {
		l->t[2] = ts_us;
		l->state = JA4L_DONE;
	}
}

enum ja4l_quic_kind
ja4l_quic_kind(const uint8_t *p, size_t len, uint16_t sport, uint16_t dport)
{
	bool is_client;
	uint32_t version;
	unsigned type;

	if (dport == QUIC_PORT)
		is_client = true;
	else if (sport == QUIC_PORT)
		is_client = false;
	else
		return JA4L_QUIC_OTHER;
	/* Long header: form and fixed bits, type, then the version. */
	if (len < 5 || (p[0] & 0xc0) != 0xc0)
		return JA4L_QUIC_OTHER;
	version = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 8 | p[4];
	if (version != QUIC_V1)
		return JA4L_QUIC_OTHER;
	type = (p[0] >> 4) & 3;
	if (type == 0)
		return is_client ? JA4L_QUIC_CLIENT_INITIAL :
		    JA4L_QUIC_SERVER_INITIAL;
	if (type == 2)
		return is_client ? JA4L_QUIC_CLIENT_HANDSHAKE :
		    JA4L_QUIC_SERVER_HANDSHAKE;
	return JA4L_QUIC_OTHER;
}

void
ja4l_quic(struct ja4l *l, enum ja4l_quic_kind kind, uint64_t ts_us,
    uint8_t ttl)
{
	if (ja4l_first_steps(l, kind == JA4L_QUIC_CLIENT_INITIAL,
	    kind == JA4L_QUIC_SERVER_INITIAL, ts_us, ttl))
		return;
	if (l->state != JA4L_WANT_C && l->state != JA4L_WANT_D)
		return;
	/* C is the server's last Handshake before the client's. */
	if (kind == JA4L_QUIC_SERVER_HANDSHAKE) {
		l->t[2] = ts_us;
		l->state = JA4L_WANT_D;
	} else if (kind == JA4L_QUIC_CLIENT_HANDSHAKE &&
	    l->state == JA4L_WANT_D) {
		l->t[3] = ts_us;
		l->state = JA4L_DONE;
	}
}

size_t
ja4l_format(const struct ja4l *l, bool is_server, bool is_quic, char *dst,
    size_t dstsz)
{
	uint64_t from, to;
	struct fmt f = fmt_init(dst, dstsz);

	if (dstsz > 0)
		dst[0] = '\0';
	if (l->state != JA4L_DONE)
		return 0;
	if (is_server) {
		from = l->t[0];
		to = l->t[1];
	} else {
		from = l->t[is_quic ? 2 : 1];
		to = l->t[is_quic ? 3 : 2];
	}
	if (to < from)
		return 0;
	fmt_u64(&f, (to - from) / 2);
	fmt_char(&f, '_');
	fmt_u64(&f, is_server ? l->ttl_s : l->ttl_c);
	return fmt_end(&f);
}

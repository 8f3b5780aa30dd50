/* analyzers/ja4l.h: JA4L-C and JA4L-S, light distance (latency) of the
 * client and of the server, from the timing of a connection's handshake.
 *
 * JA4L is part of JA4+ and is licensed under the FoxIO License 1.1
 * (internal use allowed; resale or a hosted service needs FoxIO's
 * licence).  Built only with ./configure --enable-ja4plus.
 *
 * Format: "<microseconds>_<ttl>", the one-way latency (half the round
 * trip, integer division) and the TTL or hop limit of that side's first
 * handshake packet.
 *
 *   TCP   A = SYN, B = SYN+ACK, C = the next segment with ACK and no SYN
 *         (only the SYN and ACK bits are looked at, so ECN, PSH or FIN
 *         do not matter; in that order, whichever side sends them, as
 *         FoxIO's reference does; anything else is ignored, a repeated
 *         SYN or SYN+ACK too):
 *         JA4L-C = (C - B) / 2 with the SYN's TTL,
 *         JA4L-S = (B - A) / 2 with the SYN+ACK's TTL.
 *   QUIC  A = client Initial, B = server Initial, C = the last server
 *         Handshake before D, the client's first Handshake (long header
 *         types of the first packet in the datagram; the client is the
 *         side sending to port 443):
 *         JA4L-C = (D - C) / 2, JA4L-S = (B - A) / 2, TTLs as for TCP.
 *
 * Pure: the caller feeds one packet at a time; no allocation. */
#ifndef FP_ANALYZERS_JA4L_H
#define FP_ANALYZERS_JA4L_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JA4L_STR_MAX	32

enum ja4l_state {
	JA4L_WANT_A,		/* SYN / client Initial */
	JA4L_WANT_B,		/* SYN+ACK / server Initial */
	JA4L_WANT_C,		/* ACK / server Handshake */
	JA4L_WANT_D,		/* QUIC: client Handshake (C may move) */
	JA4L_DONE
};

/* QUIC packet kinds the caller passes to ja4l_quic(). */
enum ja4l_quic_kind {
	JA4L_QUIC_OTHER,
	JA4L_QUIC_CLIENT_INITIAL,
	JA4L_QUIC_SERVER_INITIAL,
	JA4L_QUIC_CLIENT_HANDSHAKE,
	JA4L_QUIC_SERVER_HANDSHAKE
};

struct ja4l {
	uint64_t	t[4];		/* A, B, C, D in microseconds */
	uint8_t		ttl_c;		/* of A */
	uint8_t		ttl_s;		/* of B */
	uint8_t		state;		/* enum ja4l_state */
};

/* Feed one TCP segment: its flag byte, capture time and TTL. */
void	ja4l_tcp(struct ja4l *l, uint8_t tcp_flags, uint64_t ts_us,
	    uint8_t ttl);

/* Classify a UDP datagram: payload p[0..len) sent to dport from sport.
 * Only QUIC version 1 long headers are told apart (type 0 Initial, 2
 * Handshake); anything else is JA4L_QUIC_OTHER. */
enum ja4l_quic_kind ja4l_quic_kind(const uint8_t *p, size_t len,
	    uint16_t sport, uint16_t dport);

/* Feed one QUIC datagram of the given kind. */
void	ja4l_quic(struct ja4l *l, enum ja4l_quic_kind kind, uint64_t ts_us,
	    uint8_t ttl);

/* True once every timestamp is in. */
static inline bool
ja4l_done(const struct ja4l *l)
{
	return l->state == JA4L_DONE;
}

/* Format JA4L-C (is_server false) or JA4L-S into dst; returns the length
 * it would have written, like snprintf, or 0 (dst "") if not done or a
 * timestamp went backwards. */
size_t	ja4l_format(const struct ja4l *l, bool is_server, bool is_quic,
	    char *dst, size_t dstsz);

#endif

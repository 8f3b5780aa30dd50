/* analyzers/ja4ssh.h: JA4SSH, the shape of an SSH session's traffic.
 *
 * JA4SSH is part of JA4+ and is licensed under the FoxIO License 1.1
 * (internal use allowed; resale or a hosted service needs FoxIO's
 * licence).  Built only with ./configure --enable-ja4plus.
 *
 * Every TCP segment of the connection is fed, from its first.  A segment
 * with payload is an SSH packet unless it lies wholly inside one
 * identification line or SSH packet, neither starting nor ending it, as
 * long as the side's packets can be followed (in clear until its
 * NEWKEYS; SSH 1 lengths are always in clear); later every segment with
 * payload is one.  A segment whose flags are exactly ACK (0x10) with no
 * payload is a bare ACK; nothing else counts.  (This is how Wireshark,
 * under FoxIO's reference, dissects: the middle segments of a packet it
 * reassembles carry no SSH layer.)  Each window
 * of JA4SSH_WINDOW SSH packets (both sides together) gives one
 *
 *   c<mode>s<mode>_c<packets>s<packets>_c<acks>s<acks>
 *
 * where mode is the most frequent TCP payload length of that side's SSH
 * packets in the window (the smaller length on a tie, 0 with none),
 * packets the side's SSH packets and acks its bare ACKs in the window.
 * The window still open when the connection ends gives one more, if it
 * holds an SSH packet.  This follows FoxIO's Rust implementation.
 *
 * Pure: a struct ja4ssh is one fixed-size block (a slab slot in the ssh
 * analyzer); no allocation. */
#ifndef FP_ANALYZERS_JA4SSH_H
#define FP_ANALYZERS_JA4SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JA4SSH_WINDOW		200	/* SSH packets per fingerprint */
#define JA4SSH_MAX_WINDOWS	16	/* kept per connection; then counted */
#define JA4SSH_STR_MAX		72

struct ja4ssh_fp {
	uint16_t	mode[2];	/* [0] client, [1] server */
	uint16_t	n_ssh[2];
	uint32_t	n_ack[2];
};

/* Following one side's clear-text packets. */
enum ja4ssh_phase {
	JA4SSH_PH_IDENT,	/* lines up to the identification string */
	JA4SSH_PH_CLEAR,	/* binary packets, lengths readable */
	JA4SSH_PH_OPAQUE	/* encrypted, or lost track: every segment */
};

struct ja4ssh_side {
	uint32_t	left;		/* bytes of the current packet to come */
	uint32_t	total;		/* its length after the length field */
	uint8_t		hdr[8];		/* length field, or a line's start */
	uint8_t		hdr_len;
	uint8_t		msg_type;
	uint8_t		phase;		/* enum ja4ssh_phase */
	bool		is_v1;		/* SSH 1: padding to 8, no NEWKEYS */
};

struct ja4ssh {
	struct ja4ssh_side side[2];
	uint16_t	len[JA4SSH_WINDOW];	/* this window's SSH packets */
	uint8_t		is_server[JA4SSH_WINDOW];
	uint16_t	n;			/* of them */
	uint32_t	n_ack[2];		/* this window's bare ACKs */
	struct ja4ssh_fp fp[JA4SSH_MAX_WINDOWS];	/* closed windows */
	uint8_t		n_fp;
	uint32_t	n_dropped;		/* closed past JA4SSH_MAX_WINDOWS */
};

/* Start with the bare ACKs each side sent before (counted by the caller
 * until it knew the connection was SSH). */
void	ja4ssh_init(struct ja4ssh *s, uint32_t client_acks,
	    uint32_t server_acks);

/* One TCP segment from the client (is_server false) or the server:
 * payload[0..caplen) captured of wire_len bytes on the wire. */
void	ja4ssh_segment(struct ja4ssh *s, bool is_server, uint8_t tcp_flags,
	    const uint8_t *payload, size_t caplen, uint32_t wire_len);

/* The fingerprint of the window still open, if it holds an SSH packet. */
bool	ja4ssh_pending(const struct ja4ssh *s, struct ja4ssh_fp *out);

/* Format one fingerprint; returns the length it would have written, like
 * snprintf. */
size_t	ja4ssh_format(const struct ja4ssh_fp *fp, char *dst, size_t dstsz);

#endif

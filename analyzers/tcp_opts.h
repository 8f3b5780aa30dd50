/* analyzers/tcp_opts.h: TCP option parsing with p0f v3 semantics.
 *
 * The parse follows p0f exactly, because the option layout, EOL padding and
 * option quirks are part of the p0f signature: malformed options become
 * quirks ("bad", "opt+", "exws", ...), never a reason to drop the packet. */
#ifndef FP_ANALYZERS_TCP_OPTS_H
#define FP_ANALYZERS_TCP_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_MAX_OPTS	24		/* as p0f's MAX_TCP_OPT */

#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2
#define TCPOPT_WS	3
#define TCPOPT_SACKOK	4
#define TCPOPT_SACK	5
#define TCPOPT_TS	8

/* p0f quirks, in the order p0f prints them. */
#define TCP_QUIRK_DF		0x00001u	/* df */
#define TCP_QUIRK_NZ_ID		0x00002u	/* id+ */
#define TCP_QUIRK_ZERO_ID	0x00004u	/* id- */
#define TCP_QUIRK_ECN		0x00008u	/* ecn */
#define TCP_QUIRK_NZ_MBZ	0x00010u	/* 0+ */
#define TCP_QUIRK_FLOW		0x00020u	/* flow */
#define TCP_QUIRK_ZERO_SEQ	0x00040u	/* seq- */
#define TCP_QUIRK_NZ_ACK	0x00080u	/* ack+ */
#define TCP_QUIRK_ZERO_ACK	0x00100u	/* ack- */
#define TCP_QUIRK_NZ_URG	0x00200u	/* uptr+ */
#define TCP_QUIRK_URG		0x00400u	/* urgf+ */
#define TCP_QUIRK_PUSH		0x00800u	/* pushf+ */
#define TCP_QUIRK_OPT_ZERO_TS1	0x01000u	/* ts1- */
#define TCP_QUIRK_OPT_NZ_TS2	0x02000u	/* ts2+ */
#define TCP_QUIRK_OPT_EOL_NZ	0x04000u	/* opt+ */
#define TCP_QUIRK_OPT_EXWS	0x08000u	/* exws */
#define TCP_QUIRK_OPT_BAD	0x10000u	/* bad */
#define TCP_N_QUIRKS		17

struct tcp_opts {
	uint8_t		 layout[TCP_MAX_OPTS];	/* option kinds in order */
	uint8_t		 n_opts;
	uint8_t		 eol_pad;	/* bytes after EOL */
	uint16_t	 mss;		/* 0 if absent */
	uint8_t		 wscale;	/* 0 if absent */
	bool		 has_mss;
	bool		 has_ws;
	bool		 has_ts;
	uint32_t	 ts1;
	uint32_t	 ts2;
	uint32_t	 quirks;	/* TCP_QUIRK_OPT_* only */
};

/* Parse the option bytes buf[0..len) of a TCP header.  is_syn tells whether
 * the segment is a SYN without ACK (p0f flags a non-zero second timestamp
 * only there).  Pure; *out is fully overwritten. */
void		 tcp_opts_parse(const uint8_t *buf, size_t len, bool is_syn,
		    struct tcp_opts *out);

/* Name of quirk bit i (0 .. TCP_N_QUIRKS-1) as p0f prints it. */
const char	*tcp_quirk_name(unsigned i);

/* Parse a p0f quirk name; returns its bit or 0 if unknown. */
uint32_t	 tcp_quirk_from_name(const char *s, size_t len);

#endif

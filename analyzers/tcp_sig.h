/* analyzers/tcp_sig.h: the p0f v3 TCP signature of a SYN or SYN+ACK.
 *
 * tcp_sig_from_packet() takes exactly what p0f takes from the IP and TCP
 * headers; tcp_sig_format() prints the raw signature exactly as p0f does
 * (ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass). */
#ifndef FP_ANALYZERS_TCP_SIG_H
#define FP_ANALYZERS_TCP_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/tcp_opts.h"
#include "sensor/decode.h"

#define TCP_SIG_MAX_DIST	35	/* p0f's MAX_DIST */
#define TCP_SIG_STR_MAX		160	/* room for any raw signature */

struct tcp_sig {
	uint8_t		 ip_version;
	uint8_t		 ttl;		/* observed */
	uint8_t		 ip_opt_len;
	uint8_t		 tos;		/* DSCP: TOS >> 2 */
	uint16_t	 win;
	uint16_t	 mss;
	uint16_t	 tot_hdr;	/* IP + TCP header bytes */
	uint8_t		 wscale;
	uint8_t		 eol_pad;
	uint8_t		 layout[TCP_MAX_OPTS];
	uint8_t		 n_opts;
	bool		 has_payload;
	bool		 is_synack;
	uint32_t	 quirks;	/* TCP_QUIRK_* */
	uint32_t	 ts1;
};

/* True when p0f would fingerprint this segment: SYN or SYN+ACK without FIN
 * or RST, whose IP and TCP headers p0f accepts.  *is_synack tells which. */
bool		 tcp_sig_eligible(const struct packet *pkt, bool *is_synack);

/* Fill *sig from a SYN or SYN+ACK packet.  Pure. */
void		 tcp_sig_from_packet(const struct packet *pkt,
		    struct tcp_sig *sig);

/* p0f's distance guess from an observed TTL. */
uint8_t		 tcp_sig_guess_dist(uint8_t ttl);

/* Window as a multiple of MSS or MTU, p0f's rules; syn_mss is the MSS of
 * the SYN this SYN+ACK answers (0 for a SYN).  Returns the multiplier and
 * sets *use_mtu, or -1 when the window is not such a multiple. */
int		 tcp_sig_win_multi(const struct tcp_sig *sig, uint16_t syn_mss,
		    bool *use_mtu);

/* Print the raw signature into dst; returns the length it would have
 * written, like snprintf. */
size_t		 tcp_sig_format(const struct tcp_sig *sig, uint16_t syn_mss,
		    char *dst, size_t dstsz);

/* Print the option layout alone ("mss,sok,ts,nop,ws"). */
size_t		 tcp_sig_format_layout(const uint8_t *layout, uint8_t n,
		    uint8_t eol_pad, char *dst, size_t dstsz);

#endif

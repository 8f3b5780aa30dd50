/* analyzers/tcp_sig.c: the p0f v3 TCP signature of a SYN or SYN+ACK. */
#include "analyzers/tcp_sig.h"

#include <string.h>

#include "fmt.h"

#define MIN_TCP4	40		/* IPv4 + TCP headers */
#define MIN_TCP6	60

bool
tcp_sig_eligible(const struct packet *pkt, bool *is_synack)
{
	uint8_t f = pkt->tcp_flags;

	if (pkt->l4_proto != 6 || !(f & TCP_SYN) || (f & (TCP_FIN | TCP_RST)))
		return false;
	/* p0f takes neither fragments nor IPv6 extension headers, and
	 * ignores a packet whose IP length exceeds what was captured. */
	if (pkt->ip_version == 4 && (pkt->ip_frag & 0x3fff))
		return false;
	if (pkt->n_ipv6_ext != 0)
		return false;
	if ((uint32_t)pkt->ip_hdr_len + pkt->tcp_hdr_len +
	    pkt->payload_len < pkt->ip_total_len)
		return false;
	*is_synack = (f & TCP_ACK) != 0;
	return true;
}

uint8_t
tcp_sig_guess_dist(uint8_t ttl)
{
	if (ttl <= 32)
		return (uint8_t)(32 - ttl);
	if (ttl <= 64)
		return (uint8_t)(64 - ttl);
	if (ttl <= 128)
		return (uint8_t)(128 - ttl);
	return (uint8_t)(255 - ttl);
}

void
tcp_sig_from_packet(const struct packet *pkt, struct tcp_sig *sig)
{
	struct tcp_opts o;
	bool is_syn = (pkt->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
	uint32_t q = 0;

	memset(sig, 0, sizeof(*sig));
	tcp_opts_parse(pkt->tcp_opts, pkt->tcp_opts_len, is_syn, &o);
	sig->ip_version = pkt->ip_version;
	sig->ttl = pkt->ttl;
	sig->win = pkt->tcp_win;
	sig->mss = o.mss;
	sig->wscale = o.wscale;
	sig->eol_pad = o.eol_pad;
	sig->n_opts = o.n_opts;
	memcpy(sig->layout, o.layout, sizeof(sig->layout));
	sig->ts1 = o.ts1;
	sig->has_payload = pkt->payload_wire_len > 0;
	sig->is_synack = !is_syn;

	if (pkt->ip_version == 4) {
		sig->ip_opt_len = pkt->ip_opt_len;
		sig->tos = pkt->tos >> 2;
		sig->tot_hdr = (uint16_t)(pkt->ip_hdr_len + pkt->tcp_hdr_len);
		if (pkt->tos & 0x03)
			q |= TCP_QUIRK_ECN;
		if (pkt->ip_frag & 0x8000)
			q |= TCP_QUIRK_NZ_MBZ;
		if (pkt->ip_frag & 0x4000) {
			q |= TCP_QUIRK_DF;
			if (pkt->ip_id != 0)
				q |= TCP_QUIRK_NZ_ID;
		} else if (pkt->ip_id == 0) {
			q |= TCP_QUIRK_ZERO_ID;
		}
	} else {
		sig->tos = pkt->tos >> 2;
		sig->tot_hdr = (uint16_t)(40 + pkt->tcp_hdr_len);
		if (pkt->flow_label != 0)
			q |= TCP_QUIRK_FLOW;
		if (pkt->tos & 0x03)
			q |= TCP_QUIRK_ECN;
	}
	if ((pkt->tcp_flags & (TCP_ECE | TCP_CWR)) || (pkt->tcp_rsvd & 0x01))
		q |= TCP_QUIRK_ECN;
	if (pkt->seq == 0)
		q |= TCP_QUIRK_ZERO_SEQ;
	if (pkt->tcp_flags & TCP_ACK) {
		if (pkt->ack == 0)
			q |= TCP_QUIRK_ZERO_ACK;
	} else if (pkt->ack != 0 && !(pkt->tcp_flags & TCP_RST)) {
		q |= TCP_QUIRK_NZ_ACK;
	}
	if (pkt->tcp_flags & TCP_URG)
		q |= TCP_QUIRK_URG;
	else if (pkt->tcp_urp != 0)
		q |= TCP_QUIRK_NZ_URG;
	if (pkt->tcp_flags & TCP_PSH)
		q |= TCP_QUIRK_PUSH;
	sig->quirks = q | o.quirks;
}

int
tcp_sig_win_multi(const struct tcp_sig *sig, uint16_t syn_mss, bool *use_mtu)
{
	const int32_t win = sig->win, mss = sig->mss;
	struct { int32_t div; bool mtu; bool on; } tries[] = {
		{ mss, false, true },
		{ mss - 12, false, sig->ts1 != 0 },
		{ 1500 - MIN_TCP4, false, true },
		{ 1500 - MIN_TCP4 - 12, false, true },
		{ 1500 - MIN_TCP6, false, sig->ip_version == 6 },
		{ 1500 - MIN_TCP6 - 12, false, sig->ip_version == 6 },
		{ mss + MIN_TCP4, true, true },
		{ mss + sig->tot_hdr, true, true },
		{ mss + MIN_TCP6, true, sig->ip_version == 6 },
		{ 1500, true, true },
		{ syn_mss, false, syn_mss != 0 },
		{ (int32_t)syn_mss - 12, false, syn_mss != 0 },
	};

	if (win == 0 || mss < 100)
		return -1;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (!tries[i].on || tries[i].div <= 0)
			continue;
		if (win % tries[i].div == 0) {
			*use_mtu = tries[i].mtu;
			return win / tries[i].div;
		}
	}
	return -1;
}

static const char *const opt_names[] = {
	[TCPOPT_NOP] = "nop", [TCPOPT_MSS] = "mss", [TCPOPT_WS] = "ws",
	[TCPOPT_SACKOK] = "sok", [TCPOPT_SACK] = "sack", [TCPOPT_TS] = "ts",
};

static void
fmt_layout(struct fmt *f, const uint8_t *layout, uint8_t n, uint8_t eol_pad)
{
	for (uint8_t i = 0; i < n; i++) {
		uint8_t k = layout[i];

		if (i)
			fmt_char(f, ',');
		if (k == TCPOPT_EOL) {
			fmt_str(f, "eol+");
			fmt_u64(f, eol_pad);
		} else if (k < sizeof(opt_names) / sizeof(opt_names[0]) &&
		    opt_names[k] != NULL) {
			fmt_str(f, opt_names[k]);
		} else {
			fmt_char(f, '?');
			fmt_u64(f, k);
		}
	}
}

static void
fmt_quirks(struct fmt *f, uint32_t quirks)
{
	bool first = true;

	for (unsigned i = 0; i < TCP_N_QUIRKS; i++) {
		if (!(quirks & (1u << i)))
			continue;
		if (!first)
			fmt_char(f, ',');
		fmt_str(f, tcp_quirk_name(i));
		first = false;
	}
}

size_t
tcp_sig_format_layout(const uint8_t *layout, uint8_t n, uint8_t eol_pad,
    char *dst, size_t dstsz)
{
	struct fmt f = fmt_init(dst, dstsz);

	fmt_layout(&f, layout, n, eol_pad);
	return fmt_end(&f);
}

size_t
tcp_sig_format(const struct tcp_sig *sig, uint16_t syn_mss, char *dst,
    size_t dstsz)
{
	struct fmt f = fmt_init(dst, dstsz);
	uint8_t dist = tcp_sig_guess_dist(sig->ttl);
	bool use_mtu = false;
	int m;

	fmt_u64(&f, sig->ip_version);
	fmt_char(&f, ':');
	fmt_u64(&f, sig->ttl);
	fmt_char(&f, '+');
	if (dist > TCP_SIG_MAX_DIST)
		fmt_char(&f, '?');
	else
		fmt_u64(&f, dist);
	fmt_char(&f, ':');
	fmt_u64(&f, sig->ip_opt_len);
	fmt_char(&f, ':');
	/* p0f prints '*' for the MSS that its own sendsyn tool uses. */
	if (sig->mss == 1331 && sig->is_synack)
		fmt_char(&f, '*');
	else
		fmt_u64(&f, sig->mss);
	fmt_char(&f, ':');
	m = tcp_sig_win_multi(sig, syn_mss, &use_mtu);
	if (m > 0) {
		fmt_str(&f, use_mtu ? "mtu*" : "mss*");
		fmt_u64(&f, (uint64_t)m);
	} else {
		fmt_u64(&f, sig->win);
	}
	fmt_char(&f, ',');
	fmt_u64(&f, sig->wscale);
	fmt_char(&f, ':');
	fmt_layout(&f, sig->layout, sig->n_opts, sig->eol_pad);
	fmt_char(&f, ':');
	fmt_quirks(&f, sig->quirks);
	fmt_str(&f, sig->has_payload ? ":+" : ":0");
	return fmt_end(&f);
}

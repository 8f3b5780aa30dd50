/* sensor/decode.c: link, network and transport headers -> struct packet. */
#include "sensor/decode.h"

#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "fmt.h"

#define ETH_IPV4	0x0800
#define ETH_IPV6	0x86dd
#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8
#define ETH_QINQ_OLD	0x9100
#define ETH_MPLS_UC	0x8847
#define ETH_MPLS_MC	0x8848
#define ETH_TEB		0x6558		/* transparent Ethernet bridging */
#define ETH_ERSPAN2	0x88be
#define ETH_ERSPAN3	0x22eb

#define IPPROTO_N_IPIP	4
#define IPPROTO_N_TCP	6
#define IPPROTO_N_UDP	17
#define IPPROTO_N_IPV6	41
#define IPPROTO_N_GRE	47

#define UDP_PORT_VXLAN	4789
#define UDP_PORT_GENEVE	6081
#define UDP_PORT_VXLAN_GPE	4790
#define UDP_PORT_GTPU	2152
#define UDP_PORT_CAPWAP_DATA	5247

static enum decode_status decode_ether(struct packet *, struct cursor *);
static enum decode_status decode_ethertype(struct packet *, struct cursor *,
    uint16_t);
static enum decode_status decode_ip(struct packet *, struct cursor *, int);

static const char *const decode_status_names[DECODE_N_STATUS] = {
	[DECODE_OK] = "ok",
	[DECODE_TRUNCATED_L2] = "truncated_l2",
	[DECODE_NOT_IP] = "not_ip",
	[DECODE_BAD_IP] = "bad_ip",
	[DECODE_TRUNCATED_IP] = "truncated_ip",
	[DECODE_IP_FRAGMENT] = "ip_fragment",
	[DECODE_OTHER_L4] = "other_l4",
	[DECODE_TRUNCATED_L4] = "truncated_l4",
	[DECODE_BAD_L4] = "bad_l4",
	[DECODE_TUNNEL_TOO_DEEP] = "tunnel_too_deep",
	[DECODE_BAD_TUNNEL] = "bad_tunnel",
	[DECODE_UNSUPPORTED_LINKTYPE] = "unsupported_linktype",
};

static const char *const decode_tunnel_names[DECODE_N_TUN] = {
	[DECODE_TUN_NONE] = "none",
	[DECODE_TUN_GRE] = "gre",
	[DECODE_TUN_ERSPAN] = "erspan",
	[DECODE_TUN_VXLAN] = "vxlan",
	[DECODE_TUN_GENEVE] = "geneve",
	[DECODE_TUN_IPIP] = "ipip",
	[DECODE_TUN_GTP] = "gtp",
	[DECODE_TUN_CAPWAP] = "capwap",
};

const char *
decode_status_name(enum decode_status s)
{
	return (unsigned)s < DECODE_N_STATUS ? decode_status_names[s] : "?";
}

const char *
decode_tunnel_name(enum decode_tunnel t)
{
	return (unsigned)t < DECODE_N_TUN ? decode_tunnel_names[t] : "?";
}

static void
fmt_ipv4(struct fmt *f, const uint8_t *addr)
{
	char b[16], *p = b;

	for (int i = 0; i < 4; i++) {
		unsigned v = addr[i];

		if (v >= 100) {
			*p++ = (char)('0' + v / 100);
			v %= 100;
			*p++ = (char)('0' + v / 10);
		} else if (v >= 10) {
			*p++ = (char)('0' + v / 10);
		}
		*p++ = (char)('0' + v % 10);
		*p++ = '.';
	}
	fmt_mem(f, b, (size_t)(p - b) - 1);
}

/* IPv6 as inet_ntop() writes it (RFC 5952): lower-case hex without
 * leading zeros, the first longest run of two or more zero groups as "::",
 * and the last 32 bits dotted for ::a.b.c.d and ::ffff:a.b.c.d. */
static void
fmt_ipv6(struct fmt *f, const uint8_t *addr)
{
	uint16_t w[8];
	int best = -1, best_len = 0;

	for (int i = 0; i < 8; i++)
		w[i] = (uint16_t)(addr[2 * i] << 8 | addr[2 * i + 1]);
	for (int i = 0; i < 8;) {
		int n = 0;

		while (i + n < 8 && w[i + n] == 0)
			n++;
		if (n > best_len) {
			best = i;
			best_len = n;
		}
		i += n > 0 ? n : 1;
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				fmt_char(f, ':');
			continue;
		}
		if (i != 0)
			fmt_char(f, ':');
		if (i == 6 && best == 0 && (best_len == 6 ||
		    (best_len == 5 && w[5] == 0xffff))) {
			fmt_ipv4(f, addr + 12);
			return;
		}
		fmt_hex(f, w[i], w[i] >= 0x1000 ? 4 : w[i] >= 0x100 ? 3 :
		    w[i] >= 0x10 ? 2 : 1);
	}
	if (best >= 0 && best + best_len == 8)
		fmt_char(f, ':');
}

void
decode_addr_str(uint8_t ip_version, const uint8_t *addr, char *dst,
    size_t dstsz)
{
	struct fmt f = fmt_init(dst, dstsz);

	if (ip_version == 6)
		fmt_ipv6(&f, addr);
	else
		fmt_ipv4(&f, addr);
	fmt_end(&f);
}

bool
decode_linktype_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

/* Enter a tunnel: count it, refuse if too deep. */
static bool
tunnel_enter(struct packet *pkt, enum decode_tunnel type, uint32_t id)
{
	if (pkt->n_tunnels >= DECODE_MAX_TUNNELS)
		return false;
	pkt->n_tunnels++;
	pkt->tunnel = (uint8_t)type;
	pkt->tunnel_id = id;
	return true;
}

/* Fixed-size header fields, read after one length check covers them all. */
static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static enum decode_status
decode_tcp(struct packet *pkt, struct cursor *c, uint32_t l4_wire_len)
{
	const uint8_t *h = c->p;
	size_t hlen;

	if (cur_left(c) < 20)
		return DECODE_TRUNCATED_L4;
	pkt->sport = get16(h);
	pkt->dport = get16(h + 2);
	pkt->seq = get32(h + 4);
	pkt->ack = get32(h + 8);
	pkt->tcp_rsvd = h[12] & 0x0f;
	pkt->tcp_flags = h[13];
	pkt->tcp_win = get16(h + 14);
	/* h[16..17], the checksum, is never checked. */
	pkt->tcp_urp = get16(h + 18);
	hlen = (size_t)(h[12] >> 4) * 4;
	if (hlen < 20)
		return DECODE_BAD_L4;
	if (cur_left(c) < hlen)
		return DECODE_TRUNCATED_L4;
	pkt->tcp_hdr_len = (uint8_t)hlen;
	pkt->tcp_opts = h + 20;
	pkt->tcp_opts_len = (uint8_t)(hlen - 20);
	c->p = h + hlen;
	pkt->payload = c->p;
	pkt->payload_len = (uint32_t)cur_left(c);
	pkt->payload_wire_len = l4_wire_len > hlen ?
	    (uint32_t)(l4_wire_len - hlen) : 0;
	if (pkt->payload_len > pkt->payload_wire_len)
		pkt->payload_len = pkt->payload_wire_len;
	pkt->l4_proto = IPPROTO_N_TCP;
	return DECODE_OK;
}

/* VXLAN, and VXLAN-GPE when the P flag names the next protocol.  The
 * reserved bits must be zero: port 4789 alone is weak evidence. */
static enum decode_status
decode_vxlan(struct packet *pkt, struct cursor *c)
{
	uint8_t flags = cur_u8(c);
	uint16_t rsvd1 = cur_be16(c);
	uint8_t next = cur_u8(c);
	uint32_t vni = cur_be24(c);
	uint8_t rsvd2 = cur_u8(c);

	if (c->bad || !(flags & 0x08) || (flags & ~0x0cu) != 0 ||
	    rsvd1 != 0 || rsvd2 != 0 || (!(flags & 0x04) && next != 0))
		return DECODE_BAD_TUNNEL;
	if (!tunnel_enter(pkt, DECODE_TUN_VXLAN, vni))
		return DECODE_TUNNEL_TOO_DEEP;
	if (!(flags & 0x04) || next == 3)
		return decode_ether(pkt, c);
	if (next == 1 || next == 2)
		return decode_ip(pkt, c, next == 1 ? 4 : 6);
	return DECODE_NOT_IP;
}

static enum decode_status
decode_geneve(struct packet *pkt, struct cursor *c)
{
	uint8_t b0 = cur_u8(c);

	cur_skip(c, 1);				/* O and C flags */
	uint16_t proto = cur_be16(c);
	uint32_t vni = cur_be24(c);
	cur_skip(c, 1);
	cur_skip(c, (size_t)(b0 & 0x3f) * 4);	/* options */
	if (c->bad || (b0 >> 6) != 0)
		return DECODE_BAD_TUNNEL;
	if (!tunnel_enter(pkt, DECODE_TUN_GENEVE, vni))
		return DECODE_TUNNEL_TOO_DEEP;
	if (proto == ETH_TEB)
		return decode_ether(pkt, c);
	return decode_ethertype(pkt, c, proto);
}

/* GTP-U (3GPP TS 29.281): version 1, G-PDU carrying an IP packet; the
 * optional sequence/N-PDU/extension fields and extension headers skipped. */
static enum decode_status
decode_gtpu(struct packet *pkt, struct cursor *c)
{
	uint8_t flags = cur_u8(c);
	uint8_t type = cur_u8(c);

	cur_skip(c, 2);				/* length */
	uint32_t teid = cur_be32(c);
	if (c->bad || (flags >> 5) != 1 || !(flags & 0x10))
		return DECODE_BAD_TUNNEL;
	if (type != 0xff)			/* not a G-PDU: signalling */
		return DECODE_BAD_TUNNEL;
	if (flags & 0x07) {
		cur_skip(c, 3);			/* sequence, N-PDU */
		uint8_t next = cur_u8(c);
		for (int i = 0; next != 0 && i < 8; i++) {
			uint8_t words = cur_u8(c);

			if (words == 0)
				return DECODE_BAD_TUNNEL;
			cur_skip(c, (size_t)words * 4 - 2);
			next = cur_u8(c);
		}
		if (c->bad || next != 0)
			return DECODE_BAD_TUNNEL;
	}
	if (!tunnel_enter(pkt, DECODE_TUN_GTP, teid))
		return DECODE_TUNNEL_TOO_DEEP;
	return decode_ip(pkt, c, 0);
}

/* Frame control byte 0 of a version 0 data frame? */
static bool
is_80211_data(uint8_t fc0)
{
	return (fc0 & 0x03) == 0 && ((fc0 >> 2) & 0x03) == 2;
}

/* An IEEE 802.11 data frame as a CAPWAP access point forwards it: the MAC
 * header (a fourth address between two access points, QoS and HT control
 * when present), then LLC/SNAP and an EtherType.  Cisco's access points
 * send the frame control field byte-swapped; a swapped one is taken when
 * only that reading is a data frame.  The Protected bit may stay set on a
 * frame the access point has already decrypted, so the LLC/SNAP header
 * decides. */
static enum decode_status
decode_80211(struct packet *pkt, struct cursor *c)
{
	const uint8_t *h = c->p;
	size_t hlen = 24;
	uint8_t fc0, fc1;

	if (cur_left(c) < hlen)
		return DECODE_TRUNCATED_L2;
	fc0 = h[0];
	fc1 = h[1];
	if (!is_80211_data(fc0) && is_80211_data(fc1)) {
		fc0 = h[1];
		fc1 = h[0];
	}
	if (!is_80211_data(fc0))
		return DECODE_NOT_IP;		/* not a data frame */
	if (fc0 & 0x40)
		return DECODE_NOT_IP;		/* null data: no body */
	if ((fc1 & 0x03) == 0x03)
		hlen += 6;			/* ToDS and FromDS: addr4 */
	if (fc0 & 0x80) {
		hlen += 2;			/* QoS control */
		if (fc1 & 0x80)
			hlen += 4;		/* +HTC */
	}
	if (cur_left(c) < hlen + 8)
		return DECODE_TRUNCATED_L2;
	h += hlen;
	if (h[0] != 0xaa || h[1] != 0xaa || h[2] != 0x03 || h[3] != 0 ||
	    h[4] != 0 || h[5] != 0)
		return DECODE_NOT_IP;		/* encrypted, or not SNAP */
	c->p = h + 8;
	return decode_ethertype(pkt, c, get16(h + 6));
}

/* CAPWAP data channel (RFC 5415 4.3): version 0, not DTLS, not a fragment,
 * not a keep-alive; an IEEE 802.11 frame (T set, WBID 1) or an Ethernet
 * frame (T clear).  The header length counts its optional radio MAC and
 * wireless fields. */
static enum decode_status
decode_capwap(struct packet *pkt, struct cursor *c)
{
	const uint8_t *h = c->p;
	size_t hlen;
	unsigned wbid;
	bool is_native, is_fragment;

	if (cur_left(c) < 8 || h[0] != 0)
		return DECODE_BAD_TUNNEL;
	hlen = (size_t)(h[1] >> 3) * 4;
	wbid = (unsigned)(h[2] >> 1) & 0x1f;
	is_native = (h[2] & 0x01) != 0;
	is_fragment = (h[3] & 0x80) != 0;
	if (hlen < 8 || cur_left(c) < hlen || is_fragment ||
	    (h[3] & 0x08) != 0 || (is_native && wbid != 1))
		return DECODE_BAD_TUNNEL;	/* K: a keep-alive */
	if (!tunnel_enter(pkt, DECODE_TUN_CAPWAP, 0))
		return DECODE_TUNNEL_TOO_DEEP;
	c->p = h + hlen;
	return is_native ? decode_80211(pkt, c) : decode_ether(pkt, c);
}

static enum decode_status
decode_udp(struct packet *pkt, struct cursor *c, uint32_t l4_wire_len)
{
	const uint8_t *h = c->p;
	uint16_t ulen;

	if (cur_left(c) < 8)
		return DECODE_TRUNCATED_L4;
	pkt->sport = get16(h);
	pkt->dport = get16(h + 2);
	ulen = get16(h + 4);
	c->p = h + 8;				/* past the checksum */
	if (ulen != 0 && ulen < 8)
		return DECODE_BAD_L4;
	pkt->l4_proto = IPPROTO_N_UDP;
	pkt->payload = c->p;
	pkt->payload_wire_len = ulen ? (uint32_t)ulen - 8 :
	    (l4_wire_len > 8 ? l4_wire_len - 8 : 0);
	pkt->payload_len = (uint32_t)cur_left(c);
	if (pkt->payload_len > pkt->payload_wire_len)
		pkt->payload_len = pkt->payload_wire_len;

	bool is_vxlan = pkt->dport == UDP_PORT_VXLAN ||
	    pkt->dport == UDP_PORT_VXLAN_GPE || pkt->sport == UDP_PORT_VXLAN;
	bool is_gtp = pkt->dport == UDP_PORT_GTPU ||
	    pkt->sport == UDP_PORT_GTPU;
	bool is_capwap = pkt->dport == UDP_PORT_CAPWAP_DATA ||
	    pkt->sport == UDP_PORT_CAPWAP_DATA;
	if (is_vxlan || is_gtp || is_capwap ||
	    pkt->dport == UDP_PORT_GENEVE) {
		/* Try the tunnel; if its header is not valid this is plain
		 * UDP that happens to use the port. */
		struct packet outer = *pkt;
		struct cursor in = cur_init(pkt->payload, pkt->payload_len);
		enum decode_status st = is_vxlan ? decode_vxlan(pkt, &in) :
		    is_gtp ? decode_gtpu(pkt, &in) :
		    is_capwap ? decode_capwap(pkt, &in) :
		    decode_geneve(pkt, &in);
		if (st != DECODE_BAD_TUNNEL)
			return st;
		*pkt = outer;
	}
	return DECODE_OK;
}

static enum decode_status
decode_erspan(struct packet *pkt, struct cursor *c, uint16_t proto,
    bool has_seq)
{
	uint32_t session = 0;

	if (proto == ETH_ERSPAN2 && has_seq) {
		cur_skip(c, 2);			/* version, VLAN */
		session = cur_be16(c) & 0x3ff;
		cur_skip(c, 4);			/* reserved, index */
	} else if (proto == ETH_ERSPAN3) {
		cur_skip(c, 2);
		session = cur_be16(c) & 0x3ff;
		cur_skip(c, 4);			/* timestamp */
		cur_skip(c, 2);			/* SGT */
		uint16_t flags = cur_be16(c);
		if (flags & 0x0001)
			cur_skip(c, 8);		/* platform sub-header */
	}					/* type I: no header */
	if (c->bad)
		return DECODE_BAD_TUNNEL;
	if (!tunnel_enter(pkt, DECODE_TUN_ERSPAN, session))
		return DECODE_TUNNEL_TOO_DEEP;
	return decode_ether(pkt, c);
}

static enum decode_status
decode_gre(struct packet *pkt, struct cursor *c)
{
	uint16_t flags = cur_be16(c);
	uint16_t proto = cur_be16(c);
	uint32_t key = 0;

	if (c->bad)
		return DECODE_BAD_TUNNEL;
	if ((flags & 0x0007) != 0)		/* version 1 is PPTP */
		return DECODE_OTHER_L4;
	if (flags & 0x4000)			/* source routing: obsolete */
		return DECODE_BAD_TUNNEL;
	if (flags & 0x8000)
		cur_skip(c, 4);			/* checksum + reserved */
	if (flags & 0x2000)
		key = cur_be32(c);
	if (flags & 0x1000)
		cur_skip(c, 4);			/* sequence number */
	if (c->bad)
		return DECODE_BAD_TUNNEL;
	if (proto == ETH_ERSPAN2 || proto == ETH_ERSPAN3)
		return decode_erspan(pkt, c, proto, (flags & 0x1000) != 0);
	if (!tunnel_enter(pkt, DECODE_TUN_GRE, key))
		return DECODE_TUNNEL_TOO_DEEP;
	if (proto == ETH_TEB)
		return decode_ether(pkt, c);
	return decode_ethertype(pkt, c, proto);
}

static enum decode_status
decode_l4(struct packet *pkt, struct cursor *c, uint8_t proto,
    uint32_t l4_wire_len)
{
	switch (proto) {
	case IPPROTO_N_TCP:
		return decode_tcp(pkt, c, l4_wire_len);
	case IPPROTO_N_UDP:
		return decode_udp(pkt, c, l4_wire_len);
	case IPPROTO_N_GRE:
		return decode_gre(pkt, c);
	case IPPROTO_N_IPIP:
	case IPPROTO_N_IPV6:
		if (!tunnel_enter(pkt, DECODE_TUN_IPIP, 0))
			return DECODE_TUNNEL_TOO_DEEP;
		return decode_ip(pkt, c, proto == IPPROTO_N_IPIP ? 4 : 6);
	default:
		return DECODE_OTHER_L4;
	}
}

static enum decode_status
decode_ipv4(struct packet *pkt, struct cursor *c)
{
	const uint8_t *h = c->p;
	size_t avail = cur_left(c), hlen, tot;
	uint8_t proto;

	if (avail < 20)
		return DECODE_TRUNCATED_IP;
	hlen = (size_t)(h[0] & 0x0f) * 4;
	if ((h[0] >> 4) != 4 || hlen < 20)
		return DECODE_BAD_IP;
	if (avail < hlen)
		return DECODE_TRUNCATED_IP;
	pkt->l3 = h;
	pkt->ip_version = 4;
	pkt->tos = h[1];
	tot = get16(h + 2);
	pkt->ip_id = get16(h + 4);
	pkt->ip_frag = get16(h + 6);
	pkt->ttl = h[8];
	proto = h[9];
	/* h[10..11], the checksum, is never checked. */
	memset(pkt->src, 0, sizeof(pkt->src));
	memset(pkt->dst, 0, sizeof(pkt->dst));
	memcpy(pkt->src, h + 12, 4);
	memcpy(pkt->dst, h + 16, 4);
	pkt->ip_opt_len = (uint8_t)(hlen - 20);
	c->p = h + hlen;
	pkt->ip_hdr_len = (uint16_t)hlen;
	/* A zero total length is what TSO captures show: use the capture. */
	if (tot == 0)
		tot = avail;
	if (tot < hlen)
		return DECODE_BAD_IP;
	pkt->ip_total_len = (uint32_t)tot;
	pkt->l3_len = (uint32_t)(tot < avail ? tot : avail);
	if (pkt->ip_frag & 0x1fff)
		return DECODE_IP_FRAGMENT;
	pkt->is_first_fragment = (pkt->ip_frag & 0x2000) != 0;
	/* Trim link-layer padding; keep what the capture has. */
	if (tot < avail)
		c->end = c->p + (tot - hlen);
	return decode_l4(pkt, c, proto, (uint32_t)(tot - hlen));
}

static enum decode_status
decode_ipv6(struct packet *pkt, struct cursor *c)
{
	size_t avail = cur_left(c), plen, hdr = 40;
	uint32_t w;
	uint8_t nh;

	if (avail < 40)
		return DECODE_TRUNCATED_IP;
	pkt->l3 = c->p;
	w = get32(c->p);
	if ((w >> 28) != 6)
		return DECODE_BAD_IP;
	pkt->ip_version = 6;
	pkt->tos = (uint8_t)(w >> 20);
	pkt->flow_label = w & 0xfffff;
	plen = get16(c->p + 4);
	nh = c->p[6];
	pkt->ttl = c->p[7];
	memcpy(pkt->src, c->p + 8, 16);
	memcpy(pkt->dst, c->p + 24, 16);
	c->p += 40;
	pkt->ip_opt_len = 0;
	pkt->ip_id = 0;
	pkt->ip_frag = 0;
	if (plen == 0)				/* jumbogram or TSO */
		plen = avail - 40;
	pkt->l3_len = (uint32_t)(plen + 40 < avail ? plen + 40 : avail);
	if (plen + 40 < avail)
		c->end = c->p + plen;
	for (;;) {
		uint8_t next, hl;

		switch (nh) {
		case 0:		/* hop-by-hop */
		case 43:	/* routing */
		case 60:	/* destination options */
		case 135:	/* mobility */
		case 139:	/* HIP */
		case 140:	/* shim6 */
			next = cur_u8(c);
			hl = cur_u8(c);
			cur_skip(c, (size_t)hl * 8 + 6);
			hdr += (size_t)hl * 8 + 8;
			break;
		case 44: {	/* fragment */
			next = cur_u8(c);
			cur_skip(c, 1);
			uint16_t off = cur_be16(c);
			pkt->ip_id = (uint16_t)cur_be32(c);
			hdr += 8;
			if (c->bad)
				return DECODE_TRUNCATED_IP;
			if (off & 0xfff8)
				return DECODE_IP_FRAGMENT;
			pkt->is_first_fragment = (off & 1) != 0;
			break;
		}
		case 51:	/* AH */
			next = cur_u8(c);
			hl = cur_u8(c);
			cur_skip(c, (size_t)hl * 4 + 6);
			hdr += (size_t)hl * 4 + 8;
			break;
		default:
			goto done;
		}
		if (c->bad)
			return DECODE_TRUNCATED_IP;
		if (++pkt->n_ipv6_ext > DECODE_MAX_IPV6_EXT)
			return DECODE_BAD_IP;
		nh = next;
	}
done:
	pkt->ip_hdr_len = (uint16_t)(hdr > 0xffff ? 0xffff : hdr);
	pkt->ip_total_len = (uint32_t)(plen + 40);
	if (plen + 40 < hdr)
		return DECODE_BAD_IP;
	return decode_l4(pkt, c, nh, (uint32_t)(plen + 40 - hdr));
}

/* IP of either version; want is 4, 6, or 0 to take the version nibble. */
static enum decode_status
decode_ip(struct packet *pkt, struct cursor *c, int want)
{
	int v = cur_peek(c, 0) >> 4;

	if (cur_left(c) == 0)
		return DECODE_TRUNCATED_IP;
	if (want != 0 && v != want)
		return DECODE_BAD_IP;
	if (v == 4)
		return decode_ipv4(pkt, c);
	if (v == 6)
		return decode_ipv6(pkt, c);
	return DECODE_BAD_IP;
}

static enum decode_status
decode_mpls(struct packet *pkt, struct cursor *c)
{
	for (;;) {
		uint32_t e = cur_be32(c);

		if (c->bad)
			return DECODE_TRUNCATED_L2;
		if (++pkt->n_mpls > DECODE_MAX_MPLS)
			return DECODE_NOT_IP;
		if (e & 0x100)			/* bottom of stack */
			break;
	}
	switch (cur_peek(c, 0) >> 4) {
	case 4:
		return decode_ip(pkt, c, 4);
	case 6:
		return decode_ip(pkt, c, 6);
	case 0:					/* pseudowire control word */
		cur_skip(c, 4);
		return decode_ether(pkt, c);
	default:
		return DECODE_NOT_IP;
	}
}

static enum decode_status
decode_ethertype(struct packet *pkt, struct cursor *c, uint16_t type)
{
	for (;;) {
		switch (type) {
		case ETH_VLAN:
		case ETH_QINQ:
		case ETH_QINQ_OLD: {
			uint16_t tci = cur_be16(c);

			type = cur_be16(c);
			if (c->bad)
				return DECODE_TRUNCATED_L2;
			if (pkt->n_vlan < 2)
				pkt->vlan[pkt->n_vlan] = tci & 0x0fff;
			if (pkt->n_vlan < UINT8_MAX)
				pkt->n_vlan++;
			continue;
		}
		case ETH_MPLS_UC:
		case ETH_MPLS_MC:
			return decode_mpls(pkt, c);
		case ETH_IPV4:
			return decode_ip(pkt, c, 4);
		case ETH_IPV6:
			return decode_ip(pkt, c, 6);
		default:
			return DECODE_NOT_IP;
		}
	}
}

static enum decode_status
decode_ether(struct packet *pkt, struct cursor *c)
{
	uint16_t type;

	if (cur_left(c) < 14) {
		cur_skip(c, 14);
		return DECODE_TRUNCATED_L2;
	}
	type = get16(c->p + 12);
	c->p += 14;
	return decode_ethertype(pkt, c, type);
}

/* BSD loopback: address family in host order (DLT_NULL) of the capturing
 * machine, or network order (DLT_LOOP).  Accept both byte orders. */
static enum decode_status
decode_null(struct packet *pkt, struct cursor *c)
{
	uint32_t fam = cur_le32(c);

	if (c->bad)
		return DECODE_TRUNCATED_L2;
	if (fam > 0xffff)
		fam = ((fam >> 24) & 0xff) | ((fam >> 8) & 0xff00);
	switch (fam) {
	case 2:
		return decode_ip(pkt, c, 4);
	case 10: case 24: case 28: case 30:	/* AF_INET6 by OS */
		return decode_ip(pkt, c, 6);
	default:
		return DECODE_NOT_IP;
	}
}

enum decode_status
decode_packet(int dlt, const uint8_t *buf, size_t caplen, struct packet *pkt)
{
	struct cursor c = cur_init(buf, caplen);
	uint64_t ts = pkt->ts_us;
	uint32_t wire = pkt->wire_len;

	memset(pkt, 0, sizeof(*pkt));
	pkt->ts_us = ts;
	pkt->wire_len = wire;

	switch (dlt) {
	case DLT_EN10MB:
		return decode_ether(pkt, &c);
	case DLT_LINUX_SLL: {
		cur_skip(&c, 14);
		uint16_t proto = cur_be16(&c);
		if (c.bad)
			return DECODE_TRUNCATED_L2;
		return decode_ethertype(pkt, &c, proto);
	}
	case DLT_LINUX_SLL2: {
		uint16_t proto = cur_be16(&c);
		cur_skip(&c, 18);
		if (c.bad)
			return DECODE_TRUNCATED_L2;
		return decode_ethertype(pkt, &c, proto);
	}
	case DLT_RAW:
		return decode_ip(pkt, &c, 0);
	case DLT_IPV4:
		return decode_ip(pkt, &c, 4);
	case DLT_IPV6:
		return decode_ip(pkt, &c, 6);
	case DLT_NULL:
	case DLT_LOOP:
		return decode_null(pkt, &c);
	default:
		return DECODE_UNSUPPORTED_LINKTYPE;
	}
}

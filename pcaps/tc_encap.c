/* tc_encap.c - tiny tc (clsact) eBPF programs used by make_pcaps.sh.
 *
 * The sandbox kernel these fixtures were made on has no 8021q, ip_gre,
 * ipip, geneve or mpls_router/mpls_iptunnel support (see README).  To still get REAL
 * kernel traffic in those encapsulations, make_pcaps.sh attaches these
 * programs to a plain veth pair:  on egress a program wraps every frame
 * the kernel sends, on ingress the peer unwraps it again before the stack
 * sees it, so ordinary sockets (curl, ping) work end to end.  tcpdump on
 * the veth sees the encapsulated frames in both directions (the egress
 * hook runs before the packet taps, the ingress hook after them).
 *
 * Build (make_pcaps.sh does this):
 *   clang -O2 -g -target bpf -DOUTER_SRC=0xc6336401 -DOUTER_DST=0xc6336402 \
 *         -c tc_encap.c -o side.o
 * OUTER_SRC/OUTER_DST are the outer (underlay) IPv4 addresses in host
 * order; they only appear on the wire.
 *
 * Sections:
 *   vlan_push / vlan_pop   802.1Q tag VID 100
 *   qinq_push / qinq_pop   802.1ad S-tag VID 10 outside an 802.1Q C-tag VID 20
 *   gre_encap             IPv4 / GRE (RFC 2784, proto 0x0800) / inner IPv4
 *   erspan_encap          IPv4 / GRE+seq (proto 0x88be) / ERSPAN type II /
 *                         inner Ethernet
 *   geneve_encap          IPv4 / UDP 6081 / Geneve (one 4-byte option,
 *                         proto 0x6558) / inner Ethernet
 *   tunnel_decap          strips any of the three above on ingress
 *   mpls_push             Ethernet / MPLS label 1000 / IPv4 (tc egress)
 *   xdp_mpls_pop          removes it again (XDP, see below)
 * The tunnel programs only handle IPv4 frames (bpf_skb_adjust_room needs an
 * IP packet), so the script uses static ARP entries on those links.
 *
 * No kernel or libbpf headers are needed; the few definitions are below.
 */

#define SEC(x) __attribute__((section(x), used))
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

struct __sk_buff {
	u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present,
	    vlan_tci, vlan_proto;
};

/* helper ids from include/uapi/linux/bpf.h */
static long (*bpf_skb_store_bytes)(void *, u32, const void *, u32, u64) = (void *)9;
static long (*bpf_skb_vlan_push)(void *, u16, u16) = (void *)18;
static long (*bpf_skb_vlan_pop)(void *) = (void *)19;
static long (*bpf_skb_load_bytes)(const void *, u32, void *, u32) = (void *)26;
static long (*bpf_skb_adjust_room)(void *, int, u32, u64) = (void *)50;

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define BPF_ADJ_ROOM_MAC 1
#define F_ENCAP_L3_IPV4 (1ULL << 1)
#define F_ENCAP_L4_GRE (1ULL << 3)
#define F_ENCAP_L4_UDP (1ULL << 4)
#define F_ENCAP_L2_ETH (1ULL << 6)
#define F_ENCAP_L2(len) (((u64)(len) & 0xff) << 56)

#define be16(x) __builtin_bswap16(x)
#define be32(x) __builtin_bswap32(x)

#ifndef OUTER_SRC
#define OUTER_SRC 0xc6336401 /* 198.51.100.1 */
#endif
#ifndef OUTER_DST
#define OUTER_DST 0xc6336402 /* 198.51.100.2 */
#endif

#ifndef MPLS_LABEL
#define MPLS_LABEL 1000
#endif

#define ETH_LEN 14
#define ETH_P_IP 0x0800

/* ---------------------------------------------------------------- VLAN */

SEC("vlan_push") int tc_vlan_push(struct __sk_buff *skb)
{
	bpf_skb_vlan_push(skb, be16(0x8100), 100);
	return TC_ACT_OK;
}

SEC("qinq_push") int tc_qinq_push(struct __sk_buff *skb)
{
	/* the second push moves the first (C-)tag into the payload */
	bpf_skb_vlan_push(skb, be16(0x8100), 20);
	bpf_skb_vlan_push(skb, be16(0x88a8), 10);
	return TC_ACT_OK;
}

/* on receive the kernel has already moved the outer tag into skb metadata;
 * popping it moves the next in-payload tag there too, so two pops undo QinQ */
SEC("vlan_pop") int tc_vlan_pop(struct __sk_buff *skb)
{
	if (skb->vlan_present)
		bpf_skb_vlan_pop(skb);
	if (skb->vlan_present)
		bpf_skb_vlan_pop(skb);
	return TC_ACT_OK;
}

/* ------------------------------------------------------------- tunnels */

struct iphdr4 {
	u8 vihl, tos;
	u16 tot_len, id, frag_off;
	u8 ttl, proto;
	u16 check;
	u32 saddr, daddr;
};

static u16 ip_id; /* outer IPv4 id / ERSPAN sequence (global data) */
static u32 seq;

static __attribute__((always_inline)) void fill_ip(struct iphdr4 *ip, u32 tot, u8 proto)
{
	u32 sum = 0;
	u16 *w = (u16 *)ip;

	ip->vihl = 0x45;
	ip->tos = 0;
	ip->tot_len = be16(tot);
	ip->id = be16(++ip_id);
	ip->frag_off = be16(0x4000); /* DF */
	ip->ttl = 64;
	ip->proto = proto;
	ip->check = 0;
	ip->saddr = be32(OUTER_SRC);
	ip->daddr = be32(OUTER_DST);
#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = (u16)~sum;
}

static __attribute__((always_inline)) int is_ipv4(struct __sk_buff *skb)
{
	return skb->protocol == be16(ETH_P_IP);
}

SEC("gre_encap") int tc_gre_encap(struct __sk_buff *skb)
{
	struct { struct iphdr4 ip; u16 flags, proto; } __attribute__((packed)) h = {};
	const u32 olen = sizeof(h);
	struct iphdr4 ip;

	if (!is_ipv4(skb))
		return TC_ACT_OK;
	if (bpf_skb_adjust_room(skb, olen, BPF_ADJ_ROOM_MAC,
				F_ENCAP_L3_IPV4 | F_ENCAP_L4_GRE))
		return TC_ACT_SHOT;
	fill_ip(&ip, skb->len - ETH_LEN, 47);
	__builtin_memcpy(&h.ip, &ip, sizeof(ip));
	h.flags = 0;
	h.proto = be16(ETH_P_IP);
	bpf_skb_store_bytes(skb, ETH_LEN, &h, olen, 0);
	return TC_ACT_OK;
}

SEC("erspan_encap") int tc_erspan_encap(struct __sk_buff *skb)
{
	struct {
		struct iphdr4 ip;
		u16 flags, proto;
		u32 seq;
		u16 ver_vlan, cos_en_t_sid;
		u32 index;
		u8 inner_eth[ETH_LEN];
	} __attribute__((packed)) h = {};
	const u32 olen = sizeof(h);
	struct iphdr4 ip;

	if (!is_ipv4(skb))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, 0, h.inner_eth, ETH_LEN))
		return TC_ACT_OK;
	if (bpf_skb_adjust_room(skb, olen, BPF_ADJ_ROOM_MAC,
				F_ENCAP_L3_IPV4 | F_ENCAP_L4_GRE | F_ENCAP_L2_ETH |
				F_ENCAP_L2(8 + ETH_LEN)))
		return TC_ACT_SHOT;
	fill_ip(&ip, skb->len - ETH_LEN, 47);
	__builtin_memcpy(&h.ip, &ip, sizeof(ip));
	h.flags = be16(0x1000); /* S: sequence number present */
	h.proto = be16(0x88be); /* ERSPAN type II */
	h.seq = be32(++seq);
	h.ver_vlan = be16(1 << 12); /* Ver=1 (type II), VLAN 0 */
	h.cos_en_t_sid = be16(100); /* COS 0, En 0, T 0, session 100 */
	h.index = be32(1); /* reserved 0, index 1 */
	bpf_skb_store_bytes(skb, ETH_LEN, &h, olen, 0);
	return TC_ACT_OK;
}

SEC("geneve_encap") int tc_geneve_encap(struct __sk_buff *skb)
{
	struct {
		struct iphdr4 ip;
		u16 sport, dport, len, check;
		u8 ver_optlen, flags;
		u16 proto;
		u32 vni_rsvd;
		u16 opt_class;
		u8 opt_type, opt_len;
		u32 opt_data;
		u8 inner_eth[ETH_LEN];
	} __attribute__((packed)) h = {};
	const u32 olen = sizeof(h);
	struct iphdr4 ip;

	if (!is_ipv4(skb))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, 0, h.inner_eth, ETH_LEN))
		return TC_ACT_OK;
	if (bpf_skb_adjust_room(skb, olen, BPF_ADJ_ROOM_MAC,
				F_ENCAP_L3_IPV4 | F_ENCAP_L4_UDP | F_ENCAP_L2_ETH |
				F_ENCAP_L2(16 + ETH_LEN)))
		return TC_ACT_SHOT;
	fill_ip(&ip, skb->len - ETH_LEN, 17);
	__builtin_memcpy(&h.ip, &ip, sizeof(ip));
	h.sport = be16(49152 | (skb->len & 0x3fff)); /* entropy, like the kernel */
	h.dport = be16(6081);
	h.len = be16(skb->len - ETH_LEN - 20);
	h.check = 0; /* allowed for UDP over IPv4 */
	h.ver_optlen = 2; /* version 0, options = 2 * 4 bytes */
	h.flags = 0;
	h.proto = be16(0x6558); /* transparent Ethernet bridging */
	h.vni_rsvd = be32(4242 << 8);
	h.opt_class = be16(0xffff); /* experimental option class */
	h.opt_type = 0x01;
	h.opt_len = 1; /* 1 * 4 bytes of data */
	h.opt_data = be32(0xf9501234);
	bpf_skb_store_bytes(skb, ETH_LEN, &h, olen, 0);
	return TC_ACT_OK;
}

SEC("tunnel_decap") int tc_tunnel_decap(struct __sk_buff *skb)
{
	struct {
		struct iphdr4 ip;
		u16 a, b; /* GRE flags/proto, or UDP ports */
	} __attribute__((packed)) h;
	int olen;

	if (!is_ipv4(skb))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_LEN, &h, sizeof(h)))
		return TC_ACT_OK;
	if (h.ip.vihl != 0x45)
		return TC_ACT_OK;
	if (h.ip.proto == 47 && h.b == be16(ETH_P_IP))
		olen = 20 + 4;
	else if (h.ip.proto == 47 && h.b == be16(0x88be))
		olen = 20 + 8 + 8 + ETH_LEN;
	else if (h.ip.proto == 17 && h.b == be16(6081))
		olen = 20 + 8 + 16 + ETH_LEN;
	else
		return TC_ACT_OK;
	if (bpf_skb_adjust_room(skb, -olen, BPF_ADJ_ROOM_MAC, 0))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

/* ---------------------------------------------------------------- MPLS */

/* egress: IPv4 -> Ethernet / MPLS (one label, 1000, S=1, TTL copied) / IPv4 */
SEC("mpls_push") int tc_mpls_push(struct __sk_buff *skb)
{
	u16 etype = be16(0x8847);
	u8 ttl;
	u32 lse;

	if (!is_ipv4(skb))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_LEN + 8, &ttl, 1))
		return TC_ACT_OK;
	if (bpf_skb_adjust_room(skb, 4, BPF_ADJ_ROOM_MAC, 0))
		return TC_ACT_SHOT;
	lse = be32((MPLS_LABEL << 12) | (0 << 9) | (1 << 8) | ttl);
	bpf_skb_store_bytes(skb, 12, &etype, 2, 0);
	bpf_skb_store_bytes(skb, ETH_LEN, &lse, 4, 0);
	return TC_ACT_OK;
}

/* ingress, as XDP (tc cannot shrink a non-IP packet): drop a bottom-of-stack
 * label by moving the MAC addresses 4 bytes forward.  XDP runs before the
 * packet taps, so make_pcaps.sh captures MPLS on a bridge between the hosts. */
struct xdp_md {
	u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index;
};
static long (*bpf_xdp_adjust_head)(struct xdp_md *, int) = (void *)44;
#define XDP_PASS 2

SEC("xdp_mpls_pop") int xdp_mpls_pop_prog(struct xdp_md *ctx)
{
	u8 *p = (u8 *)(long)ctx->data;
	u8 *end = (u8 *)(long)ctx->data_end;
	int i;

	if (p + ETH_LEN + 4 + 1 > end)
		return XDP_PASS;
	if (p[12] != 0x88 || p[13] != 0x47 || !(p[16] & 1))
		return XDP_PASS;
	for (i = 11; i >= 0; i--)
		p[i + 4] = p[i];
	p[16] = (p[18] >> 4) == 6 ? 0x86 : 0x08;
	p[17] = (p[18] >> 4) == 6 ? 0xdd : 0x00;
	bpf_xdp_adjust_head(ctx, 4);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";

/* sensor/decode.h: link, network and transport headers -> struct packet.
 *
 * Pure: no allocation, no globals, safe on any input.  Every field is read
 * through lib/cursor.h.  Tunnels (GRE with ERSPAN, VXLAN, GENEVE, IP-in-IP)
 * and GTP-U are followed and the innermost flow is described, with the tunnel context
 * kept in the packet so flows in different tunnels stay apart.  Checksums
 * are never verified: offloaded captures carry wrong ones. */
#ifndef FP_SENSOR_DECODE_H
#define FP_SENSOR_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DECODE_MAX_TUNNELS	4
#define DECODE_MAX_MPLS		8
#define DECODE_MAX_IPV6_EXT	8

/* Why a packet was not analysed.  DECODE_OK means it was. */
enum decode_status {
	DECODE_OK = 0,
	DECODE_TRUNCATED_L2,		/* capture ends inside a link header */
	DECODE_NOT_IP,			/* ARP, LLDP, STP, ... */
	DECODE_BAD_IP,			/* wrong version, header length, ... */
	DECODE_TRUNCATED_IP,		/* capture ends inside the IP header */
	DECODE_IP_FRAGMENT,		/* a non-first fragment */
	DECODE_OTHER_L4,		/* ICMP, SCTP, ESP, ... */
	DECODE_TRUNCATED_L4,		/* capture ends inside TCP/UDP header */
	DECODE_BAD_L4,			/* TCP data offset < 5, ... */
	DECODE_TUNNEL_TOO_DEEP,
	DECODE_BAD_TUNNEL,	/* malformed GRE/VXLAN/GENEVE/ERSPAN/CAPWAP */
	DECODE_UNSUPPORTED_LINKTYPE,
	DECODE_N_STATUS
};

enum decode_tunnel {
	DECODE_TUN_NONE = 0,
	DECODE_TUN_GRE,
	DECODE_TUN_ERSPAN,
	DECODE_TUN_VXLAN,
	DECODE_TUN_GENEVE,
	DECODE_TUN_IPIP,
	DECODE_TUN_GTP,
	DECODE_TUN_CAPWAP,
	DECODE_N_TUN
};

/* TCP flag bits as on the wire. */
#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_PSH	0x08
#define TCP_ACK	0x10
#define TCP_URG	0x20
#define TCP_ECE	0x40
#define TCP_CWR	0x80

/* Decoded packet.  Pointers (l3, tcp_opts, payload) are borrowed from the
 * capture buffer and valid only until the packet callback returns. */
struct packet {
	uint64_t	 ts_us;			/* capture time, microseconds */
	uint32_t	 wire_len;		/* frame length on the wire */

	/* Link context (outermost VLAN tags first; 0 = none). */
	uint16_t	 vlan[2];
	uint8_t		 n_vlan;
	uint8_t		 n_mpls;
	uint8_t		 tunnel;		/* enum decode_tunnel, innermost */
	uint8_t		 n_tunnels;
	uint32_t	 tunnel_id;		/* VNI, GRE key, ERSPAN session */

	/* Network layer (innermost). */
	uint8_t		 ip_version;		/* 4 or 6 */
	uint8_t		 ttl;			/* TTL or hop limit */
	uint8_t		 tos;			/* TOS or traffic class */
	uint8_t		 ip_opt_len;		/* IPv4 options bytes */
	uint16_t	 ip_id;
	uint16_t	 ip_frag;		/* flags + offset word (IPv4) */
	uint32_t	 flow_label;		/* IPv6 */
	uint16_t	 ip_hdr_len;		/* incl. IPv6 extension headers */
	uint32_t	 ip_total_len;		/* from the header */
	bool		 is_first_fragment;	/* MF set, offset 0 */
	uint8_t		 n_ipv6_ext;
	uint8_t		 src[16];		/* IPv4 in the first 4 bytes */
	uint8_t		 dst[16];
	const uint8_t	*l3;			/* borrowed; innermost IP header */
	uint32_t	 l3_len;		/* captured bytes of that packet */

	/* Transport layer. */
	uint8_t		 l4_proto;		/* 6 TCP, 17 UDP */
	uint16_t	 sport;
	uint16_t	 dport;
	uint32_t	 seq;
	uint32_t	 ack;
	uint8_t		 tcp_flags;
	uint8_t		 tcp_rsvd;		/* reserved nibble incl. NS */
	uint16_t	 tcp_win;
	uint16_t	 tcp_urp;
	uint8_t		 tcp_hdr_len;
	const uint8_t	*tcp_opts;		/* borrowed */
	uint8_t		 tcp_opts_len;

	const uint8_t	*payload;		/* borrowed; captured bytes */
	uint32_t	 payload_len;		/* captured payload bytes */
	uint32_t	 payload_wire_len;	/* from the IP length */
};

/* True if decode_packet() understands this DLT_* link type. */
bool			 decode_linktype_supported(int dlt);

/* Decode one frame of link type dlt.  On DECODE_OK *pkt describes the
 * innermost TCP or UDP packet; on any other status *pkt is partly filled
 * and must not be used.  ts_us and wire_len are left as the caller set them. */
enum decode_status	 decode_packet(int dlt, const uint8_t *buf, size_t caplen,
			    struct packet *pkt);

/* Short stable names for counters and JSON. */
const char		*decode_status_name(enum decode_status s);
const char		*decode_tunnel_name(enum decode_tunnel t);

/* Format pkt's address (src if which == 0, else dst) into dst (>= 46 bytes). */
void			 decode_addr_str(uint8_t ip_version, const uint8_t *addr,
			    char *dst, size_t dstsz);

#endif

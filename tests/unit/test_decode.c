/* tests/unit/test_decode.c: the decoder on real frames, checked against
 * tshark's view of them (fixtures), then every frame of every capture in
 * pcaps/ at every truncation length and with single-byte flips. */
#include "sensor/decode.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdlib.h>

#include "analyzers/tcp_sig.h"
#include "tests/test.h"

struct decode_fixture {
	const char	*name;
	int		 dlt;
	const uint8_t	*bytes;
	size_t		 len;
	const char	*src;
	const char	*dst;
	uint16_t	 sport;
	uint16_t	 dport;
	uint8_t		 proto;
	uint16_t	 vlan0;
	uint16_t	 vlan1;
	int		 tunnel;
	uint32_t	 tunnel_id;
};

#include "tests/fixtures/decode/frames.h"

static void
test_fixtures(void)
{
	for (size_t i = 0; i < sizeof(decode_fixtures) /
	    sizeof(decode_fixtures[0]); i++) {
		const struct decode_fixture *fx = &decode_fixtures[i];
		struct packet p = { 0 };
		char src[64], dst[64];
		enum decode_status st;

		st = decode_packet(fx->dlt, fx->bytes, fx->len, &p);
		if (!CHECK_EQ_U(st, DECODE_OK)) {
			fprintf(stderr, "  %s: %s\n", fx->name,
			    decode_status_name(st));
			continue;
		}
		decode_addr_str(p.ip_version, p.src, src, sizeof(src));
		decode_addr_str(p.ip_version, p.dst, dst, sizeof(dst));
		int ok = CHECK_EQ_S(src, fx->src) & CHECK_EQ_S(dst, fx->dst) &
		    CHECK_EQ_U(p.sport, fx->sport) &
		    CHECK_EQ_U(p.dport, fx->dport) &
		    CHECK_EQ_U(p.l4_proto, fx->proto) &
		    CHECK_EQ_U(p.vlan[0], fx->vlan0) &
		    CHECK_EQ_U(p.vlan[1], fx->vlan1) &
		    CHECK_EQ_U(p.tunnel, fx->tunnel) &
		    CHECK_EQ_U(p.tunnel_id, fx->tunnel_id);
		if (!ok)
			fprintf(stderr, "  in fixture %s\n", fx->name);
	}
}

/* Decode and, where it applies, fingerprint: the whole TCP path. */
static void
exercise(int dlt, const uint8_t *b, size_t len)
{
	struct packet p = { 0 };
	struct tcp_sig sig;
	char buf[TCP_SIG_STR_MAX];
	bool is_synack;

	if (decode_packet(dlt, b, len, &p) != DECODE_OK)
		return;
	CHECK(p.payload_len <= len);
	if (tcp_sig_eligible(&p, &is_synack)) {
		tcp_sig_from_packet(&p, &sig);
		tcp_sig_format(&sig, 1460, buf, sizeof(buf));
	}
}

static size_t n_frames, n_runs;

static void
abuse_capture(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, errbuf);
	struct pcap_pkthdr *h;
	const u_char *d;
	uint8_t *copy;

	if (!CHECK(pc != NULL))
		return;
	int dlt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &h, &d) == 1) {
		/* An exact-size heap copy per length, so ASan sees any read
		 * past the end. */
		for (size_t n = 0; n <= h->caplen; n++) {
			copy = malloc(n ? n : 1);
			memcpy(copy, d, n);
			exercise(dlt, copy, n);
			free(copy);
			n_runs++;
		}
		copy = malloc(h->caplen ? h->caplen : 1);
		for (size_t i = 0; i < h->caplen && i < 128; i++) {
			memcpy(copy, d, h->caplen);
			copy[i] ^= 0xff;
			exercise(dlt, copy, h->caplen);
			copy[i] ^= 0x7f;
			exercise(dlt, copy, h->caplen);
			n_runs += 2;
		}
		free(copy);
		n_frames++;
	}
	pcap_close(pc);
}

static void
test_abuse_all_captures(void)
{
	char dir[1024], path[2048];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/pcaps", test_srcdir());
	if (!CHECK((d = opendir(dir)) != NULL))
		return;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		bool is_pcap = l > 5 && strcmp(de->d_name + l - 5, ".pcap") == 0;
		bool is_ng = l > 7 && strcmp(de->d_name + l - 7, ".pcapng") == 0;

		if (!is_pcap && !is_ng)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		abuse_capture(path);
	}
	closedir(d);
	fprintf(stderr, "abuse: %zu frames, %zu decodes\n", n_frames, n_runs);
	CHECK(n_frames > 0);
}

static void
test_names(void)
{
	for (int i = 0; i < DECODE_N_STATUS; i++)
		CHECK(strcmp(decode_status_name((enum decode_status)i), "?") != 0);
	CHECK_EQ_S(decode_status_name(DECODE_N_STATUS), "?");
	CHECK_EQ_S(decode_tunnel_name(DECODE_TUN_VXLAN), "vxlan");
	CHECK(!decode_linktype_supported(147));
}

/* decode_addr_str() writes what inet_ntop() writes: every pattern of zero
 * and non-zero groups (with random values of every width), then the
 * embedded-IPv4 forms and their near misses. */
static void
test_addr_str(void)
{
	static const char *const special[] = {
		"::", "::1", "1::", "::ffff:1.2.3.4", "::1.2.3.4", "::ffff:0.0.0.0",
		"::fffe:1.2.3.4", "0:0:0:0:1:ffff:102:304", "::ffff:0:102:304",
		"1:0:0:2:0:0:0:3", "1:0:0:0:2:0:0:3", "0:1:0:1:0:1:0:1",
		"2001:db8::", "fe80::1:2", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"::0.0.0.1", "::0.1.0.0",
	};
	uint8_t a[16];
	char got[64], want[64];
	int bad = 0;

	srand(5952);
	for (unsigned mask = 0; mask < 256; mask++) {
		for (int round = 0; round < 40; round++) {
			for (int i = 0; i < 8; i++) {
				unsigned v = (unsigned)rand() & 0xffffu;

				v >>= (unsigned)(rand() % 16);	/* any width */
				if (!(mask >> i & 1))
					v = 0;
				else if (v == 0)
					v = 1;
				a[2 * i] = (uint8_t)(v >> 8);
				a[2 * i + 1] = (uint8_t)v;
			}
			decode_addr_str(6, a, got, sizeof(got));
			inet_ntop(AF_INET6, a, want, sizeof(want));
			if (strcmp(got, want) != 0 && bad++ < 5)
				CHECK_EQ_S(got, want);
		}
	}
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		CHECK(inet_pton(AF_INET6, special[i], a) == 1);
		decode_addr_str(6, a, got, sizeof(got));
		inet_ntop(AF_INET6, a, want, sizeof(want));
		CHECK_EQ_S(got, want);
	}
	for (int i = 0; i < 4; i++)
		a[i] = (uint8_t)(i * 85);
	decode_addr_str(4, a, got, sizeof(got));
	CHECK_EQ_S(got, "0.85.170.255");
	/* IPv4: every octet value in every place, as inet_ntop() has it. */
	for (unsigned v = 0; v < 256; v++)
		for (int i = 0; i < 4; i++) {
			for (int k = 0; k < 4; k++)
				a[k] = (uint8_t)(k == i ? v : (v * 7 + k) % 256);
			decode_addr_str(4, a, got, sizeof(got));
			inet_ntop(AF_INET, a, want, sizeof(want));
			if (strcmp(got, want) != 0 && bad++ < 5)
				CHECK_EQ_S(got, want);
		}
	/* Cut to the buffer, NUL-terminated. */
	memcpy(a, (const uint8_t[]){ 198, 51, 100, 7 }, 4);
	decode_addr_str(4, a, got, 8);
	CHECK_EQ_S(got, "198.51.");
	CHECK_EQ_U(bad, 0);
}

/* Ethernet, IPv4, UDP to port 5247, then cw[0..cw_len) (a CAPWAP header
 * and what it carries) into f; the frame's length. */
static size_t
capwap_frame(uint8_t *f, const uint8_t *cw, size_t cw_len)
{
	static const uint8_t head[] = {
		0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00,
		0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0,
		172, 16, 0, 1, 172, 16, 0, 2,
		0xa1, 0x30, 0x14, 0x7f, 0, 0, 0, 0,
	};
	size_t ip_len = 20 + 8 + cw_len;

	memcpy(f, head, sizeof(head));
	f[16] = (uint8_t)(ip_len >> 8), f[17] = (uint8_t)ip_len;
	f[38] = (uint8_t)((8 + cw_len) >> 8), f[39] = (uint8_t)(8 + cw_len);
	memcpy(f + sizeof(head), cw, cw_len);
	return sizeof(head) + cw_len;
}

/* CAPWAP data (UDP 5247): an 802.11 frame (plain, with its frame control
 * byte-swapped as Cisco's access points send it, QoS with four addresses)
 * or an Ethernet frame inside; fragments, keep-alives, DTLS and short
 * frames are not decapsulated. */
static void
test_capwap(void)
{
	/* IPv4 10.1.3.68 -> 74.125.130.188, TCP 47025 -> 443, SYN. */
	static const uint8_t inner[] = {
		0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0,
		10, 1, 3, 68, 74, 125, 130, 188,
		0xb7, 0xb1, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0,
		0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	};
	static const uint8_t snap[] = { 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0 };
	/* Version 0, HLEN 2 words, WBID 1 and T (native 802.11). */
	static const uint8_t hdr_80211[] = { 0, 0x10, 0x03, 0, 0, 0, 0, 0 };
	/* HLEN 2, WBID 1, T clear: an Ethernet frame. */
	static const uint8_t hdr_ether[] = { 0, 0x10, 0x02, 0, 0, 0, 0, 0 };
	static const struct {
		const char	*name;
		uint8_t		 fc[2];
		size_t		 mac_len;	/* 802.11 header */
	} kinds[] = {
		{ "data, to DS", { 0x08, 0x01 }, 24 },
		{ "data, byte-swapped", { 0x01, 0x08 }, 24 },
		{ "QoS data, four addresses", { 0x88, 0x03 }, 32 },
	};
	uint8_t cw[256], f[512];
	struct packet p;
	char src[64];
	size_t n, len;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		memset(cw, 0, sizeof(cw));
		memcpy(cw, hdr_80211, 8);
		cw[8] = kinds[k].fc[0], cw[9] = kinds[k].fc[1];
		n = 8 + kinds[k].mac_len;
		memcpy(cw + n, snap, 8);
		memcpy(cw + n + 8, inner, sizeof(inner));
		len = capwap_frame(f, cw, n + 8 + sizeof(inner));
		memset(&p, 0, sizeof(p));
		if (!CHECK_EQ_U(decode_packet(DLT_EN10MB, f, (uint32_t)len,
		    &p), DECODE_OK))
			printf("  (%s)\n", kinds[k].name);
		CHECK_EQ_U(p.tunnel, DECODE_TUN_CAPWAP);
		CHECK_EQ_U(p.l4_proto, 6);
		CHECK_EQ_U(p.sport, 47025);
		CHECK_EQ_U(p.dport, 443);
		decode_addr_str(p.ip_version, p.src, src, sizeof(src));
		CHECK_EQ_S(src, "10.1.3.68");
		/* Cut inside the 802.11 header or the SNAP header. */
		memset(&p, 0, sizeof(p));
		CHECK_EQ_U(decode_packet(DLT_EN10MB, f, (uint32_t)(len -
		    sizeof(inner) - 3), &p), DECODE_TRUNCATED_L2);
	}

	/* An Ethernet frame inside. */
	memcpy(cw, hdr_ether, 8);
	memcpy(cw + 8, (const uint8_t[]){ 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2,
	    0x08, 0x00 }, 14);
	memcpy(cw + 22, inner, sizeof(inner));
	len = capwap_frame(f, cw, 22 + sizeof(inner));
	memset(&p, 0, sizeof(p));
	CHECK_EQ_U(decode_packet(DLT_EN10MB, f, (uint32_t)len, &p), DECODE_OK);
	CHECK_EQ_U(p.tunnel, DECODE_TUN_CAPWAP);
	CHECK_EQ_U(p.sport, 47025);

	/* A fragment, a keep-alive, a DTLS-protected packet, a 802.11 frame
	 * without SNAP (encrypted): the first three are plain UDP on port
	 * 5247. */
	cw[3] = 0x80;				/* F */
	len = capwap_frame(f, cw, 22 + sizeof(inner));
	memset(&p, 0, sizeof(p));
	CHECK_EQ_U(decode_packet(DLT_EN10MB, f, (uint32_t)len, &p), DECODE_OK);
	CHECK_EQ_U(p.tunnel, DECODE_TUN_NONE);
	CHECK_EQ_U(p.l4_proto, 17);
	CHECK_EQ_U(p.dport, 5247);
	cw[3] = 0x08;				/* K: keep-alive */
	len = capwap_frame(f, cw, 22 + sizeof(inner));
	memset(&p, 0, sizeof(p));
	CHECK_EQ_U(decode_packet(DLT_EN10MB, f, (uint32_t)len, &p), DECODE_OK);
	CHECK_EQ_U(p.tunnel, DECODE_TUN_NONE);
	cw[3] = 0;
	cw[0] = 0x01;				/* DTLS */
	len = capwap_frame(f, cw, 22 + sizeof(inner));
	memset(&p, 0, sizeof(p));
	CHECK_EQ_U(decode_packet(DLT_EN10MB, f, (uint32_t)len, &p), DECODE_OK);
	CHECK_EQ_U(p.tunnel, DECODE_TUN_NONE);
	memset(cw, 0, sizeof(cw));
	memcpy(cw, hdr_80211, 8);
	cw[8] = 0x08, cw[9] = 0x41;		/* to DS, protected */
	memset(cw + 32, 0x5a, 48);
	len = capwap_frame(f, cw, 80);
	memset(&p, 0, sizeof(p));
	CHECK_EQ_U(decode_packet(DLT_EN10MB, f, (uint32_t)len, &p),
	    DECODE_NOT_IP);
	CHECK_EQ_S(decode_tunnel_name(DECODE_TUN_CAPWAP), "capwap");
}

int
main(void)
{
	test_addr_str();
	test_capwap();
	test_fixtures();
	test_abuse_all_captures();
	test_names();
	return test_done("test_decode");
}

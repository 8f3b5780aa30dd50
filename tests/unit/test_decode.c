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

int
main(void)
{
	test_addr_str();
	test_fixtures();
	test_abuse_all_captures();
	test_names();
	return test_done("test_decode");
}

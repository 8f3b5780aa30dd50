/* tests/bench/gen_syn_flood.c: write a classic pcap of N TCP SYNs, each
 * from its own IPv4 source address, to one server.
 *
 * Load input for the flood benchmark (tests/bench/flood.sh): every SYN
 * opens a flow, so N SYNs from N sources ask for N flow table entries.  The
 * packets are synthetic and uniform (one SYN shape, MSS option only); they
 * are not fingerprint truth and no test compares their fingerprints.
 *
 * usage: gen_syn_flood [-n COUNT] [-s SRC_MAC] [-d DST_MAC] [-a DST_IP]
 *                      [-p PPS] OUT.pcap
 * Sources count up from 10.0.0.1 (COUNT at most 2^24 - 2); the server is
 * DST_IP (default 198.18.0.1) port 443; timestamps are 1/PPS s apart
 * (default 1000000). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYN_FRAME_LEN	58	/* Ethernet 14, IPv4 20, TCP 20 + MSS 4 */

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
	    &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* SYN number i (0-based) from 10.0.0.0 + i + 1 into f. */
static void
make_syn(uint8_t *f, uint32_t i, uint32_t dst, uint32_t *rng)
{
	uint8_t *ip = f + 14, *tcp = ip + 20, pseudo[12];
	uint32_t src = 0x0a000000u + i + 1, sum;

	*rng = *rng * 1664525u + 1013904223u;
	memset(ip, 0, 44);
	ip[0] = 0x45;
	put16(ip + 2, 44);
	put16(ip + 4, (uint16_t)(*rng >> 8));	/* id */
	ip[6] = 0x40;				/* DF */
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(tcp, (uint16_t)(1024 + (*rng >> 16) % 60000));
	put16(tcp + 2, 443);
	put32(tcp + 4, *rng ^ i);		/* ISN */
	tcp[12] = 6 << 4;			/* 24-byte header */
	tcp[13] = 0x02;				/* SYN */
	put16(tcp + 14, 64240);
	tcp[20] = 2;				/* MSS 1460 */
	tcp[21] = 4;
	put16(tcp + 22, 1460);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	put16(pseudo + 10, 24);
	sum = csum_add(csum_add(0, pseudo, 12), tcp, 24);
	put16(tcp + 16, csum_fold(sum));
}

static int
usage(void)
{
	fprintf(stderr, "usage: gen_syn_flood [-n COUNT] [-s SRC_MAC] "
	    "[-d DST_MAC] [-a DST_IP] [-p PPS] OUT.pcap\n");
	return 64;
}

int
main(int argc, char **argv)
{
	uint8_t smac[6] = { 2, 0, 0, 0, 0, 1 }, dmac[6] = { 2, 0, 0, 0, 0, 2 };
	uint8_t frame[SYN_FRAME_LEN];
	uint32_t n = 1000000, pps = 1000000, rng = 1, dst;
	struct in_addr a = { .s_addr = htonl(0xc6120001u) };
	const uint32_t hdr[6] = { 0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1 };
	FILE *out;
	int ch;

	while ((ch = getopt(argc, argv, "n:s:d:a:p:")) != -1) {
		switch (ch) {
		case 'n': n = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'p': pps = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': if (parse_mac(optarg, smac)) return usage(); break;
		case 'd': if (parse_mac(optarg, dmac)) return usage(); break;
		case 'a': if (!inet_aton(optarg, &a)) return usage(); break;
		default: return usage();
		}
	}
	if (optind + 1 != argc || n == 0 || n > (1u << 24) - 2 || pps == 0)
		return usage();
	if ((out = fopen(argv[optind], "wb")) == NULL) {
		perror(argv[optind]);
		return 1;
	}
	dst = ntohl(a.s_addr);
	/* Classic pcap, our byte order, v2.4, Ethernet. */
	fwrite(hdr, 4, 1, out);
	fwrite((const uint16_t[]){ 2, 4 }, 2, 2, out);
	fwrite(hdr + 2, 4, 4, out);
	memcpy(frame, dmac, 6);
	memcpy(frame + 6, smac, 6);
	put16(frame + 12, 0x0800);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t_us = (uint64_t)i * 1000000 / pps;
		uint32_t rec[4] = { 1700000000u + (uint32_t)(t_us / 1000000),
		    (uint32_t)(t_us % 1000000), SYN_FRAME_LEN, SYN_FRAME_LEN };

		make_syn(frame, i, dst, &rng);
		fwrite(rec, 4, 4, out);
		fwrite(frame, 1, SYN_FRAME_LEN, out);
	}
	if (fclose(out) != 0) {
		perror(argv[optind]);
		return 1;
	}
	return 0;
}

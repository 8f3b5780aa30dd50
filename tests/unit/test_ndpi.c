/* tests/unit/test_ndpi.c: the nDPI analyzer glue: the flow pool (handed
 * out, exhausted, given back by end()), the packet budget, and what emit()
 * writes.  "test_ndpi names" prints every protocol name libndpi knows (for
 * tests/ndpi.sh).  Skips (77) in builds without nDPI. */
#include "analyzers/ndpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_NDPI
#include <ndpi_api.h>
#endif

#include "tests/test.h"

/* IPv4/UDP 192.0.2.10:50000 -> 192.0.2.20:53, a DNS query for example.com. */
static const uint8_t dns_query[] = {
	0x45, 0x00, 0x00, 0x39, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02, 0x14,
	0xc3, 0x50, 0x00, 0x35, 0x00, 0x25, 0x00, 0x00,
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
	0x00, 0x01, 0x00, 0x01,
};

/* IPv4/UDP 192.0.2.10:40000 -> 192.0.2.20:40001, 16 bytes nobody knows. */
static const uint8_t noise[] = {
	0x45, 0x00, 0x00, 0x2c, 0x00, 0x02, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02, 0x14,
	0x9c, 0x40, 0x9c, 0x41, 0x00, 0x18, 0x00, 0x00,
	0x5a, 0x17, 0xe3, 0x01, 0x99, 0x42, 0x7c, 0x0d,
	0xa8, 0x33, 0x61, 0xf0, 0x0e, 0x2b, 0xd4, 0x85,
};

static uint64_t now_us = 1700000000000000ULL;

static void
feed(void *st, struct an_ctx *ctx, const uint8_t *ip, size_t len)
{
	struct packet pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.l3 = ip;
	pkt.l3_len = (uint32_t)len;
	pkt.ts_us = now_us += 1000;
	fp_ndpi_analyzer.packet(st, ctx, NULL, &pkt, AN_DIR_CLIENT);
}

/* The value of counter key in w's --stats lines, or -1. */
static long long
counter(const struct fp_ndpi *w, const char *key)
{
	char *buf = NULL, *p;
	size_t len = 0;
	long long v = -1;
	FILE *fp = open_memstream(&buf, &len);

	fp_ndpi_stats_print(fp, w);
	fclose(fp);
	for (p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n'), p += p != NULL) {
		size_t k = strlen(key);

		if (strncmp(p, key, k) == 0 && p[k] == '=') {
			v = atoll(p + k + 1);
			break;
		}
	}
	free(buf);
	return v;
}

/* emit() into a JSON object; returns the text (static buffer). */
static const char *
emit(const void *st, const struct an_ctx *ctx)
{
	static char out[2048];
	char buf[2048];
	struct json j;
	size_t n;

	json_init(&j, buf, sizeof(buf));
	json_obj_open(&j, NULL);
	fp_ndpi_analyzer.emit(st, ctx, NULL, &j);
	json_obj_close(&j);
	n = json_finish(&j);
	memcpy(out, buf, n);
	out[n] = '\0';
	return out;
}

static void
test_pool(void)
{
	struct fp_ndpi_settings s = { .max_packets = 4, .max_flows = 1 };
	size_t sz = fp_ndpi_analyzer.state_size;
	void *a = calloc(1, sz), *b = calloc(1, sz), *c = calloc(1, sz);
	struct an_ctx ctx;
	const char *js;
	char err[256];

	memset(&ctx, 0, sizeof(ctx));
	ctx.ndpi = fp_ndpi_new(&s, err, sizeof(err));
	CHECK(ctx.ndpi != NULL);

	/* a holds the only slot while nDPI cannot name it. */
	feed(a, &ctx, noise, sizeof(noise));
	CHECK(fp_ndpi_analyzer.has_output(a));
	CHECK_EQ_U(counter(ctx.ndpi, "ndpi_flows"), 1);
	feed(b, &ctx, dns_query, sizeof(dns_query));
	CHECK_EQ_U(counter(ctx.ndpi, "ndpi_pool_exhausted"), 1);
	CHECK(!fp_ndpi_analyzer.has_output(b));
	feed(b, &ctx, dns_query, sizeof(dns_query));	/* b stays out */
	CHECK_EQ_U(counter(ctx.ndpi, "ndpi_pool_exhausted"), 1);
	CHECK_EQ_U(counter(ctx.ndpi, "ndpi_packets"), 1);

	/* a ends inside its window: emit() concludes, end() frees the slot. */
	CHECK(strstr(emit(a, &ctx), "\"ndpi\":{\"proto\":\"Unknown\"") !=
	    NULL);
	CHECK_EQ_U(counter(ctx.ndpi, "ndpi_unknown"), 1);
	fp_ndpi_analyzer.end(a, &ctx);
	fp_ndpi_analyzer.end(a, &ctx);			/* idempotent */

	/* c gets the slot back; DNS is named on its first packet. */
	feed(c, &ctx, dns_query, sizeof(dns_query));
	CHECK_EQ_U(counter(ctx.ndpi, "ndpi_flows"), 2);
	js = emit(c, &ctx);		/* once per flow, as the pipeline does */
	CHECK(strstr(js, "\"proto\":\"DNS\"") != NULL);
	CHECK(strstr(js, "\"category\":\"Network\"") != NULL);
	CHECK_EQ_U(counter(ctx.ndpi, "ndpi_detected"), 1);

	/* c ends (nDPI still waits for the DNS answer: it held the slot). */
	fp_ndpi_analyzer.end(c, &ctx);

	/* The packet budget: a fresh flow of noise stops after 4 packets. */
	memset(a, 0, sz);
	for (int i = 0; i < 10; i++)
		feed(a, &ctx, noise, sizeof(noise));
	CHECK_EQ_U(counter(ctx.ndpi, "ndpi_packets"), 1 + 1 + 4);
	CHECK(strstr(emit(a, &ctx), "\"proto\":") != NULL);
	fp_ndpi_analyzer.end(a, &ctx);

	/* A slot still held when the worker goes is freed with it (ASan). */
	memset(b, 0, sz);
	feed(b, &ctx, noise, sizeof(noise));
	fp_ndpi_free(ctx.ndpi);

	/* No module: nothing happens, nothing is written. */
	ctx.ndpi = NULL;
	memset(c, 0, sz);
	feed(c, &ctx, dns_query, sizeof(dns_query));
	CHECK(!fp_ndpi_analyzer.has_output(c));
	free(a);
	free(b);
	free(c);
}

static int
print_names(void)
{
#ifdef HAVE_NDPI
	struct ndpi_detection_module_struct *m;
	NDPI_PROTOCOL_BITMASK all;

	if ((m = ndpi_init_detection_module(ndpi_no_prefs)) == NULL)
		return 99;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(m, &all);
	ndpi_finalize_initialization(m);
	for (u_int i = 0; i < ndpi_get_num_supported_protocols(m); i++)
		printf("%s\n", ndpi_get_proto_name(m, (u_int16_t)i));
	ndpi_exit_detection_module(m);
#endif
	return 0;
}

int
main(int argc, char **argv)
{
	if (!fp_ndpi_is_built()) {
		fprintf(stderr, "test_ndpi: built without nDPI\n");
		return 77;
	}
	if (argc == 2 && strcmp(argv[1], "names") == 0)
		return print_names();
	test_pool();
	return test_done("test_ndpi");
}

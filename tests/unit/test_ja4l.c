/* tests/unit/test_ja4l.c: JA4L-C / JA4L-S state machines (FoxIO License
 * 1.1; built with --enable-ja4plus).  The end-to-end figures against
 * FoxIO's output are in tests/conformance_app.py. */
#include "analyzers/ja4l.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/test.h"

static void
test_tcp(void)
{
	struct ja4l l;
	char buf[JA4L_STR_MAX];

	memset(&l, 0, sizeof(l));
	CHECK(ja4l_format(&l, false, false, buf, sizeof(buf)) == 0);
	CHECK_EQ_S(buf, "");
	ja4l_tcp(&l, 0x10, 50, 1);		/* ACK before SYN: ignored */
	ja4l_tcp(&l, 0x02, 1000, 64);		/* A */
	ja4l_tcp(&l, 0x02, 1500, 63);		/* repeated SYN: ignored */
	ja4l_tcp(&l, 0x10, 1700, 63);		/* ACK before SYN+ACK */
	ja4l_tcp(&l, 0x04, 1800, 63);		/* RST: neither */
	ja4l_tcp(&l, 0x52, 3001, 57);		/* B: SYN+ACK+ECE */
	CHECK(!ja4l_done(&l));
	ja4l_tcp(&l, 0x12, 3002, 50);		/* repeated: ignored */
	ja4l_tcp(&l, 0x02, 3003, 50);		/* SYN: ignored */
	ja4l_tcp(&l, 0x18, 3041, 64);		/* C: PSH+ACK counts */
	CHECK(ja4l_done(&l));
	ja4l_tcp(&l, 0x10, 9999, 1);		/* after: ignored */
	CHECK(ja4l_format(&l, false, false, buf, sizeof(buf)) == 5);
	CHECK_EQ_S(buf, "20_64");		/* the SYN's TTL */
	CHECK(ja4l_format(&l, true, false, buf, sizeof(buf)) == 7);
	CHECK_EQ_S(buf, "1000_57");
	/* Integer halving, as the reference: 1 us round trip gives 0. */
	memset(&l, 0, sizeof(l));
	ja4l_tcp(&l, 0xc2, 10, 128);		/* SYN+ECE+CWR (macOS) */
	ja4l_tcp(&l, 0x12, 13, 255);
	ja4l_tcp(&l, 0x18, 14, 255);		/* the server's data, 1 us on */
	ja4l_format(&l, false, false, buf, sizeof(buf));
	CHECK_EQ_S(buf, "0_128");
	ja4l_format(&l, true, false, buf, sizeof(buf));
	CHECK_EQ_S(buf, "1_255");
	/* A short buffer is cut like snprintf, the length still whole. */
	CHECK(ja4l_format(&l, true, false, buf, 3) == 5);
	CHECK_EQ_S(buf, "1_");
}

static void
test_quic_kind(void)
{
	uint8_t ini[] = { 0xc3, 0, 0, 0, 1, 8 };
	uint8_t hs[] = { 0xe1, 0, 0, 0, 1, 8 };
	uint8_t rtt0[] = { 0xd0, 0, 0, 0, 1 };
	uint8_t v2[] = { 0xc3, 0x6b, 0x33, 0x43, 0xcf };
	uint8_t shorth[] = { 0x43, 0, 0, 0, 1 };

	CHECK(ja4l_quic_kind(ini, sizeof(ini), 5000, 443) ==
	    JA4L_QUIC_CLIENT_INITIAL);
	CHECK(ja4l_quic_kind(ini, sizeof(ini), 443, 5000) ==
	    JA4L_QUIC_SERVER_INITIAL);
	CHECK(ja4l_quic_kind(hs, sizeof(hs), 5000, 443) ==
	    JA4L_QUIC_CLIENT_HANDSHAKE);
	CHECK(ja4l_quic_kind(hs, sizeof(hs), 443, 5000) ==
	    JA4L_QUIC_SERVER_HANDSHAKE);
	CHECK(ja4l_quic_kind(ini, sizeof(ini), 5000, 4433) ==
	    JA4L_QUIC_OTHER);
	CHECK(ja4l_quic_kind(rtt0, sizeof(rtt0), 5000, 443) ==
	    JA4L_QUIC_OTHER);
	CHECK(ja4l_quic_kind(v2, sizeof(v2), 5000, 443) == JA4L_QUIC_OTHER);
	CHECK(ja4l_quic_kind(shorth, sizeof(shorth), 5000, 443) ==
	    JA4L_QUIC_OTHER);
	for (size_t n = 0; n < 5; n++)
		CHECK(ja4l_quic_kind(ini, n, 5000, 443) == JA4L_QUIC_OTHER);
	CHECK(ja4l_quic_kind(NULL, 0, 5000, 443) == JA4L_QUIC_OTHER);
}

static void
test_quic(void)
{
	struct ja4l l;
	char buf[JA4L_STR_MAX];

	memset(&l, 0, sizeof(l));
	ja4l_quic(&l, JA4L_QUIC_SERVER_HANDSHAKE, 10, 1);	/* ignored */
	ja4l_quic(&l, JA4L_QUIC_CLIENT_INITIAL, 100, 64);	/* A */
	ja4l_quic(&l, JA4L_QUIC_CLIENT_INITIAL, 150, 60);
	ja4l_quic(&l, JA4L_QUIC_SERVER_INITIAL, 300, 56);	/* B */
	ja4l_quic(&l, JA4L_QUIC_CLIENT_HANDSHAKE, 310, 64);	/* no C yet */
	ja4l_quic(&l, JA4L_QUIC_SERVER_HANDSHAKE, 320, 56);
	ja4l_quic(&l, JA4L_QUIC_SERVER_HANDSHAKE, 400, 56);	/* last C */
	CHECK(!ja4l_done(&l));
	ja4l_quic(&l, JA4L_QUIC_CLIENT_HANDSHAKE, 451, 64);	/* D */
	CHECK(ja4l_done(&l));
	ja4l_format(&l, false, true, buf, sizeof(buf));
	CHECK_EQ_S(buf, "25_64");
	ja4l_format(&l, true, true, buf, sizeof(buf));
	CHECK_EQ_S(buf, "100_56");
	/* Timestamps that went backwards give nothing, not a wrap. */
	l.t[3] = 1;
	CHECK(ja4l_format(&l, false, true, buf, sizeof(buf)) == 0);
	CHECK_EQ_S(buf, "");
}

/* Random flag bytes and times never leave the machine in a state it
 * cannot format, and never format a wrapped value. */
static void
test_random(void)
{
	uint32_t x = 12345;

	for (int round = 0; round < 2000; round++) {
		struct ja4l l;
		char buf[JA4L_STR_MAX];
		uint64_t t = 0;

		memset(&l, 0, sizeof(l));
		for (int i = 0; i < 16; i++) {
			x = x * 1103515245u + 12345u;
			t += (x >> 16) & 0xff;
			if (round & 1)
				ja4l_tcp(&l, (uint8_t)(x >> 8), t,
				    (uint8_t)x);
			else
				ja4l_quic(&l, (enum ja4l_quic_kind)
				    ((x >> 8) % 5), t, (uint8_t)x);
		}
		if (ja4l_done(&l)) {
			CHECK(ja4l_format(&l, false, !(round & 1), buf,
			    sizeof(buf)) > 0);
			CHECK(ja4l_format(&l, true, !(round & 1), buf,
			    sizeof(buf)) > 0);
		}
	}
}

int
main(void)
{
	test_tcp();
	test_quic_kind();
	test_quic();
	test_random();
	return test_done("test_ja4l");
}

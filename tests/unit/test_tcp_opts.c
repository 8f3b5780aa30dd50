/* tests/unit/test_tcp_opts.c: option parsing, p0f semantics. */
#include "analyzers/tcp_opts.h"
#include "analyzers/tcp_sig.h"

#include "tests/test.h"

static size_t
layout_str(const struct tcp_opts *o, char *buf, size_t n)
{
	return tcp_sig_format_layout(o->layout, o->n_opts, o->eol_pad, buf, n);
}

static void
test_linux_syn(void)
{
	/* Linux SYN: mss 1460, sok, ts, nop, ws 7. */
	const uint8_t b[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
	    0, 0, 0, 0, 1, 3, 3, 7 };
	struct tcp_opts o;
	char s[128];

	tcp_opts_parse(b, sizeof(b), true, &o);
	CHECK_EQ_U(o.mss, 1460);
	CHECK_EQ_U(o.wscale, 7);
	CHECK_EQ_U(o.ts1, 1);
	CHECK_EQ_U(o.quirks, 0);
	layout_str(&o, s, sizeof(s));
	CHECK_EQ_S(s, "mss,sok,ts,nop,ws");
}

static void
test_quirks(void)
{
	struct tcp_opts o;
	char s[128];

	/* ts1 zero, ts2 non-zero on a SYN, ws above 14. */
	const uint8_t a[] = { 8, 10, 0, 0, 0, 0, 0, 0, 0, 9, 3, 3, 15 };
	tcp_opts_parse(a, sizeof(a), true, &o);
	CHECK_EQ_U(o.quirks, TCP_QUIRK_OPT_ZERO_TS1 | TCP_QUIRK_OPT_NZ_TS2 |
	    TCP_QUIRK_OPT_EXWS);
	tcp_opts_parse(a, sizeof(a), false, &o);	/* SYN+ACK: no ts2+ */
	CHECK(!(o.quirks & TCP_QUIRK_OPT_NZ_TS2));

	/* EOL with padding; non-zero padding is opt+, except (as in p0f)
	 * when the non-zero byte is the very last one. */
	const uint8_t e1[] = { 2, 4, 5, 0xb4, 0, 0, 0, 0 };
	tcp_opts_parse(e1, sizeof(e1), true, &o);
	CHECK_EQ_U(o.eol_pad, 3);
	CHECK_EQ_U(o.quirks, 0);
	layout_str(&o, s, sizeof(s));
	CHECK_EQ_S(s, "mss,eol+3");
	const uint8_t e2[] = { 0, 0, 7, 0 };
	tcp_opts_parse(e2, sizeof(e2), true, &o);
	CHECK_EQ_U(o.quirks, TCP_QUIRK_OPT_EOL_NZ);
	const uint8_t e3[] = { 0, 0, 0, 7 };
	tcp_opts_parse(e3, sizeof(e3), true, &o);
	CHECK_EQ_U(o.quirks, 0);

	/* A wrong MSS length is "bad" but the value is still read. */
	const uint8_t m[] = { 2, 5, 1, 0, 1 };
	tcp_opts_parse(m, sizeof(m), true, &o);
	CHECK_EQ_U(o.mss, 256);
	CHECK(o.quirks & TCP_QUIRK_OPT_BAD);

	/* Truncated option: bad, layout keeps the kind. */
	const uint8_t t[] = { 1, 8, 10, 0 };
	tcp_opts_parse(t, sizeof(t), true, &o);
	CHECK(o.quirks & TCP_QUIRK_OPT_BAD);
	CHECK_EQ_U(o.n_opts, 2);

	/* Unknown option with a sane length is kept as ?kind. */
	const uint8_t u[] = { 30, 4, 0, 0, 1 };
	tcp_opts_parse(u, sizeof(u), true, &o);
	CHECK_EQ_U(o.quirks, 0);
	layout_str(&o, s, sizeof(s));
	CHECK_EQ_S(s, "?30,nop");

	/* More than TCP_MAX_OPTS options: bad. */
	uint8_t nops[40];
	memset(nops, 1, sizeof(nops));
	tcp_opts_parse(nops, sizeof(nops), true, &o);
	CHECK_EQ_U(o.n_opts, TCP_MAX_OPTS);
	CHECK(o.quirks & TCP_QUIRK_OPT_BAD);
}

static void
test_every_prefix_and_flip(void)
{
	const uint8_t b[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 8, 10,
	    0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 4, 2, 0, 0 };
	uint8_t c[sizeof(b)];
	struct tcp_opts o;

	for (size_t n = 0; n <= sizeof(b); n++) {
		tcp_opts_parse(b, n, true, &o);
		CHECK(o.n_opts <= TCP_MAX_OPTS);
	}
	for (size_t i = 0; i < sizeof(b); i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(c, b, sizeof(b));
			c[i] ^= (uint8_t)(1u << bit);
			tcp_opts_parse(c, sizeof(c), true, &o);
			CHECK(o.n_opts <= TCP_MAX_OPTS);
		}
	}
}

static void
test_quirk_names(void)
{
	for (unsigned i = 0; i < TCP_N_QUIRKS; i++) {
		const char *n = tcp_quirk_name(i);

		CHECK_EQ_U(tcp_quirk_from_name(n, strlen(n)), 1u << i);
	}
	CHECK_EQ_U(tcp_quirk_from_name("nope", 4), 0);
}

int
main(void)
{
	test_linux_syn();
	test_quirks();
	test_every_prefix_and_flip();
	test_quirk_names();
	return test_done("test_tcp_opts");
}

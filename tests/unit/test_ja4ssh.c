/* tests/unit/test_ja4ssh.c: JA4SSH windows (FoxIO License 1.1; built with
 * --enable-ja4plus).  The end-to-end figures against FoxIO's output are
 * in tests/conformance_app.py. */
#include "analyzers/ja4ssh.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/test.h"

static struct ja4ssh s;

static const char *
fmt(const struct ja4ssh_fp *fp)
{
	static char buf[JA4SSH_STR_MAX];

	ja4ssh_format(fp, buf, sizeof(buf));
	return buf;
}

static const char *
pending(void)
{
	struct ja4ssh_fp fp;

	if (!ja4ssh_pending(&s, &fp))
		return "(none)";
	return fmt(&fp);
}

static void
test_modes(void)
{
	ja4ssh_init(&s, 1, 0);
	CHECK_EQ_S(pending(), "(none)");
	ja4ssh_segment(&s, false, 0x10, 0);	/* bare ACK */
	ja4ssh_segment(&s, true, 0x11, 0);	/* FIN+ACK: not bare */
	ja4ssh_segment(&s, true, 0x18, 0);	/* PSH+ACK, empty: neither */
	CHECK_EQ_S(pending(), "(none)");
	/* Client: 36 x3, 52 x3 -> tie, the smaller; server: 100 once. */
	static const uint32_t c[] = { 52, 36, 52, 36, 52, 36 };
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ja4ssh_segment(&s, false, 0x18, c[i]);
	ja4ssh_segment(&s, true, 0x18, 100);
	CHECK_EQ_S(pending(), "c36s100_c6s1_c2s0");
	/* Payload length is counted whatever the flags. */
	ja4ssh_segment(&s, false, 0x10, 52);
	CHECK_EQ_S(pending(), "c52s100_c7s1_c2s0");
	/* Over 65535 is clamped, not wrapped. */
	ja4ssh_segment(&s, true, 0x10, 70000);
	ja4ssh_segment(&s, true, 0x10, 70000);
	CHECK_EQ_S(pending(), "c52s65535_c7s3_c2s0");
}

static void
test_windows(void)
{
	ja4ssh_init(&s, 2, 1);
	/* 200 SSH packets close a window; ACKs go to the open one. */
	for (int i = 0; i < 150; i++)
		ja4ssh_segment(&s, false, 0x18, 48);
	ja4ssh_segment(&s, true, 0x10, 0);
	for (int i = 0; i < 50; i++)
		ja4ssh_segment(&s, true, 0x18, 1460);
	CHECK_EQ_U(s.n_fp, 1);
	CHECK_EQ_S(fmt(&s.fp[0]), "c48s1460_c150s50_c2s2");
	CHECK_EQ_S(pending(), "(none)");
	ja4ssh_segment(&s, false, 0x10, 0);
	CHECK_EQ_S(pending(), "(none)");	/* ACKs alone: no window */
	ja4ssh_segment(&s, true, 0x18, 64);
	CHECK_EQ_S(pending(), "c0s64_c0s1_c1s0");
	/* Past JA4SSH_MAX_WINDOWS windows are counted, not kept. */
	for (int i = 0; i < JA4SSH_WINDOW * (JA4SSH_MAX_WINDOWS + 3); i++)
		ja4ssh_segment(&s, i & 1, 0x18, 32 + (i % 7));
	CHECK_EQ_U(s.n_fp, JA4SSH_MAX_WINDOWS);
	CHECK_EQ_U(s.n_dropped, 4);
	/* fp[1]: the 64 and the ACK before, then 199 of the loop. */
	CHECK_EQ_S(fmt(&s.fp[1]), "c32s33_c100s100_c1s0");
}

/* Random segments: counts always add up to the packets fed. */
static void
test_random(void)
{
	uint32_t x = 77;
	unsigned fed = 0, acks = 0;

	ja4ssh_init(&s, 0, 0);
	for (int i = 0; i < 5000; i++) {
		x = x * 1103515245u + 12345u;
		uint32_t len = (x >> 20) % 3 == 0 ? 0 : (x >> 8) & 0xfff;
		uint8_t fl = (x >> 4) & 1 ? 0x10 : 0x18;

		ja4ssh_segment(&s, (x >> 3) & 1, fl, len);
		fed += len != 0;
		acks += len == 0 && fl == 0x10;
	}
	unsigned got = 0, got_acks = 0;
	struct ja4ssh_fp fp;

	for (int i = 0; i < s.n_fp; i++) {
		got += s.fp[i].n_ssh[0] + s.fp[i].n_ssh[1];
		got_acks += s.fp[i].n_ack[0] + s.fp[i].n_ack[1];
		CHECK_EQ_U(s.fp[i].n_ssh[0] + s.fp[i].n_ssh[1],
		    JA4SSH_WINDOW);
	}
	if (ja4ssh_pending(&s, &fp)) {
		got += fp.n_ssh[0] + fp.n_ssh[1];
		got_acks += fp.n_ack[0] + fp.n_ack[1];
	}
	got_acks += s.n == 0 ? s.n_ack[0] + s.n_ack[1] : 0;
	CHECK_EQ_U(got + s.n_dropped * JA4SSH_WINDOW, fed);
	CHECK(got_acks <= acks);
}

int
main(void)
{
	test_modes();
	test_windows();
	test_random();
	return test_done("test_ja4ssh");
}

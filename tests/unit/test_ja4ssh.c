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

/* A segment of an opaque (encrypted) side: no bytes to follow. */
static void
seg(bool is_server, uint8_t flags, uint32_t len)
{
	ja4ssh_segment(&s, is_server, flags, NULL, 0, len);
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
	seg(false, 0x10, 0);	/* bare ACK */
	seg(true, 0x11, 0);	/* FIN+ACK: not bare */
	seg(true, 0x18, 0);	/* PSH+ACK, empty: neither */
	CHECK_EQ_S(pending(), "(none)");
	/* Client: 36 x3, 52 x3 -> tie, the smaller; server: 100 once. */
	static const uint32_t c[] = { 52, 36, 52, 36, 52, 36 };
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		seg(false, 0x18, c[i]);
	seg(true, 0x18, 100);
	CHECK_EQ_S(pending(), "c36s100_c6s1_c2s0");
	/* Payload length is counted whatever the flags. */
	seg(false, 0x10, 52);
	CHECK_EQ_S(pending(), "c52s100_c7s1_c2s0");
	/* Over 65535 is clamped, not wrapped. */
	seg(true, 0x10, 70000);
	seg(true, 0x10, 70000);
	CHECK_EQ_S(pending(), "c52s65535_c7s3_c2s0");
}

static void
test_windows(void)
{
	ja4ssh_init(&s, 2, 1);
	/* 200 SSH packets close a window; ACKs go to the open one. */
	for (int i = 0; i < 150; i++)
		seg(false, 0x18, 48);
	seg(true, 0x10, 0);
	for (int i = 0; i < 50; i++)
		seg(true, 0x18, 1460);
	CHECK_EQ_U(s.n_fp, 1);
	CHECK_EQ_S(fmt(&s.fp[0]), "c48s1460_c150s50_c2s2");
	CHECK_EQ_S(pending(), "(none)");
	seg(false, 0x10, 0);
	CHECK_EQ_S(pending(), "(none)");	/* ACKs alone: no window */
	seg(true, 0x18, 64);
	CHECK_EQ_S(pending(), "c0s64_c0s1_c1s0");
	/* Past JA4SSH_MAX_WINDOWS windows are counted, not kept. */
	for (int i = 0; i < JA4SSH_WINDOW * (JA4SSH_MAX_WINDOWS + 3); i++)
		seg(i & 1, 0x18, 32 + (i % 7));
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

		seg((x >> 3) & 1, fl, len);
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

/* In clear text, a segment wholly inside one line or packet (neither
 * starting nor ending it) is not an SSH packet, as in Wireshark's
 * dissection; after NEWKEYS every segment is. */
static void
test_clear_text(void)
{
	static const uint8_t ident[] = "SSH-2.0-OpenSSH_9.2\r\n";
	/* packet_length 12: padding length 4, KEXINIT (20), 7 more bytes */
	static const uint8_t kexinit[] = { 0, 0, 0, 12, 4, 20, 1, 2, 3, 4,
	    5, 6, 7, 8, 9, 10 };
	static const uint8_t newkeys[] = { 0, 0, 0, 12, 10, 21, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0 };
	static const uint8_t v1[] = "SSH-1.5-1.2.26\n";
	/* SSH 1: length 5 -> 3 bytes of padding, then 5 */
	static const uint8_t v1pkt[] = { 0, 0, 0, 5, 0, 0, 0, 2, 1, 2, 3,
	    4 };
	uint8_t big[64];

	ja4ssh_init(&s, 0, 0);
	/* Ident in three segments: the middle one does not count. */
	ja4ssh_segment(&s, true, 0x18, ident, 5, 5);
	CHECK_EQ_S(pending(), "c0s5_c0s1_c0s0");
	ja4ssh_segment(&s, true, 0x18, ident + 5, 5, 5);
	CHECK_EQ_S(pending(), "c0s5_c0s1_c0s0");
	ja4ssh_segment(&s, true, 0x18, ident + 10, sizeof(ident) - 11,
	    sizeof(ident) - 11);
	CHECK_EQ_S(pending(), "c0s5_c0s2_c0s0");
	/* KEXINIT split 2 + 3 + 8 + 3 (the length field split too): the
	 * first (starts it) and the last (ends it) count. */
	ja4ssh_segment(&s, true, 0x18, kexinit, 2, 2);
	ja4ssh_segment(&s, true, 0x18, kexinit + 2, 3, 3);
	ja4ssh_segment(&s, true, 0x18, kexinit + 5, 8, 8);
	CHECK_EQ_S(pending(), "c0s2_c0s3_c0s0");
	ja4ssh_segment(&s, true, 0x18, kexinit + 13, 3, 3);
	CHECK_EQ_S(pending(), "c0s2_c0s4_c0s0");
	/* NEWKEYS plus the start of the next packet; from then on the side
	 * is opaque: every segment counts. */
	memcpy(big, newkeys, sizeof(newkeys));
	memset(big + sizeof(newkeys), 0xff, sizeof(big) - sizeof(newkeys));
	ja4ssh_segment(&s, true, 0x18, big, sizeof(big), sizeof(big));
	CHECK(s.side[1].phase == JA4SSH_PH_OPAQUE);
	ja4ssh_segment(&s, true, 0x18, big, 7, 7);
	CHECK_EQ_S(pending(), "c0s2_c0s6_c0s0");
	/* A snap-length cut segment cannot be followed: counts, opaque. */
	ja4ssh_segment(&s, false, 0x18, ident, 4, 100);
	CHECK(s.side[0].phase == JA4SSH_PH_OPAQUE);
	CHECK_EQ_S(pending(), "c100s2_c1s6_c0s0");

	/* SSH 1: padded to 8, never opaque. */
	ja4ssh_init(&s, 0, 0);
	ja4ssh_segment(&s, false, 0x18, v1, sizeof(v1) - 1, sizeof(v1) - 1);
	CHECK(s.side[0].is_v1);
	ja4ssh_segment(&s, false, 0x18, v1pkt, 6, 6);
	ja4ssh_segment(&s, false, 0x18, v1pkt + 6, 3, 3);	/* inside */
	CHECK_EQ_S(pending(), "c6s0_c2s0_c0s0");
	ja4ssh_segment(&s, false, 0x18, v1pkt + 9, 3, 3);
	CHECK_EQ_S(pending(), "c3s0_c3s0_c0s0");
	CHECK(s.side[0].phase == JA4SSH_PH_CLEAR);
	/* A length over the limit: lost track, opaque. */
	static const uint8_t huge[] = { 0x7f, 0xff, 0xff, 0xff, 1 };
	ja4ssh_segment(&s, false, 0x18, huge, sizeof(huge), sizeof(huge));
	CHECK(s.side[0].phase == JA4SSH_PH_OPAQUE);
}

/* Every prefix cut and bit flip of a clear-text exchange is accepted, and
 * the counts still add up. */
static void
test_mangled(void)
{
	static const uint8_t msg[] = "SSH-2.0-x\r\n\0\0\0\x0c\x04\x14"
	    "abcdefghij\0\0\0\x0c\x0a\x15\0\0\0\0\0\0\0\0\0\0xyz";
	uint8_t b[sizeof(msg)];

	for (size_t cut = 0; cut <= sizeof(msg); cut++)
		for (size_t bit = 0; bit < sizeof(msg) * 8; bit += 3) {
			memcpy(b, msg, sizeof(msg));
			b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			ja4ssh_init(&s, 0, 0);
			for (size_t o = 0; o < sizeof(b); o += cut ? cut : 1) {
				size_t n = sizeof(b) - o;

				if (cut && n > cut)
					n = cut;
				ja4ssh_segment(&s, bit & 1, 0x18, b + o, n,
				    (uint32_t)n);
			}
			CHECK(s.n <= sizeof(b));
		}
}

int
main(void)
{
	test_clear_text();
	test_mangled();
	test_modes();
	test_windows();
	test_random();
	return test_done("test_ja4ssh");
}

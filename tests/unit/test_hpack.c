/* tests/unit/test_hpack.c: HPACK decoder against the examples of RFC 7541
 * Appendix C (bytes, decoded lists and table sizes as printed there), plus
 * errors, caps and table wrap-around. */
#include "analyzers/hpack.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/test.h"

static struct hpack_decoder d;
static struct hpack_block b;
static uint8_t work[4096];

/* Hex string to work[]; returns the length. */
static size_t
unhex(const char *h)
{
	size_t n = 0;

	for (; h[0] != '\0' && h[1] != '\0' && n < sizeof(work); h += 2) {
		unsigned v;

		sscanf(h, "%2x", &v);
		work[n++] = (uint8_t)v;
	}
	return n;
}

/* "name: value\n" for every field. */
static const char *
dump(void)
{
	static char out[8192];
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < b.n; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s: %s\n",
		    hpack_field_name(&b, i), hpack_field_value(&b, i));
	return out;
}

static void
decode_ok(const char *hex, const char *want, uint32_t table_size)
{
	size_t n = unhex(hex);

	CHECK_EQ_U(hpack_decode(&d, work, n, &b), HPACK_OK);
	CHECK_EQ_S(dump(), want);
	CHECK_EQ_U(d.size, table_size);
}

#define REQ1	":method: GET\n:scheme: http\n:path: /\n" \
		":authority: www.example.com\n"
#define REQ2	REQ1 "cache-control: no-cache\n"
#define REQ3	":method: GET\n:scheme: https\n:path: /index.html\n" \
		":authority: www.example.com\ncustom-key: custom-value\n"
#define RESP1	":status: 302\ncache-control: private\n" \
		"date: Mon, 21 Oct 2013 20:13:21 GMT\n" \
		"location: https://www.example.com\n"
#define RESP2	":status: 307\ncache-control: private\n" \
		"date: Mon, 21 Oct 2013 20:13:21 GMT\n" \
		"location: https://www.example.com\n"
#define RESP3	":status: 200\ncache-control: private\n" \
		"date: Mon, 21 Oct 2013 20:13:22 GMT\n" \
		"location: https://www.example.com\ncontent-encoding: gzip\n" \
		"set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; " \
		"version=1\n"

static const char *const c3[] = {	/* C.3, no Huffman */
	"828684410f7777772e6578616d706c652e636f6d",
	"828684be58086e6f2d6361636865",
	"828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
};
static const char *const c4[] = {	/* C.4, Huffman */
	"828684418cf1e3c2e5f23a6ba0ab90f4ff",
	"828684be5886a8eb10649cbf",
	"828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
};
static const char *const c5[] = {	/* C.5, table size 256 */
	"4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032"
	"303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e63"
	"6f6d",
	"4803333037c1c0bf",
	"88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c0"
	"5a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f504955415851"
	"57454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
};
static const char *const c6[] = {	/* C.6, table size 256, Huffman */
	"488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1b"
	"ff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
	"4883640effc1c0bf",
	"88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad"
	"94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f95873160"
	"65c003ed4ee5b1063d5007",
};

static void
test_rfc_examples(void)
{
	/* C.2.1 - C.2.4: one block each, fresh table. */
	hpack_init(&d, 4096);
	decode_ok("400a637573746f6d2d6b65790d637573746f6d2d686561646572",
	    "custom-key: custom-header\n", 55);
	CHECK(b.n == 1 && (b.f[0].flags & HPACK_F_ADDED));
	hpack_init(&d, 4096);
	decode_ok("040c2f73616d706c652f70617468", ":path: /sample/path\n", 0);
	hpack_init(&d, 4096);
	decode_ok("100870617373776f726406736563726574", "password: secret\n", 0);
	CHECK(b.f[0].flags & HPACK_F_NEVER_INDEXED);
	hpack_init(&d, 4096);
	decode_ok("82", ":method: GET\n", 0);
	CHECK(b.f[0].flags & HPACK_F_INDEXED);

	for (int h = 0; h < 2; h++) {
		const char *const *v = h ? c4 : c3;

		hpack_init(&d, 4096);
		decode_ok(v[0], REQ1, 57);
		decode_ok(v[1], REQ2, 110);
		decode_ok(v[2], REQ3, 164);
		CHECK_EQ_U(d.n, 3);
	}
	for (int h = 0; h < 2; h++) {
		const char *const *v = h ? c6 : c5;

		hpack_init(&d, 256);
		decode_ok(v[0], RESP1, 222);
		decode_ok(v[1], RESP2, 222);	/* ":status: 302" evicted */
		CHECK_EQ_U(d.n, 4);
		decode_ok(v[2], RESP3, 215);
		CHECK_EQ_U(d.n, 3);
	}
}

static void
test_huffman(void)
{
	uint8_t out[64];
	size_t n = unhex("f1e3c2e5f23a6ba0ab90f4ff");	/* C.4.1 */

	CHECK_EQ_U(hpack_huffman_decode(work, n, out, sizeof(out)), 15);
	CHECK(memcmp(out, "www.example.com", 15) == 0);
	/* Full length reported even when dst is small. */
	CHECK_EQ_U(hpack_huffman_decode(work, n, out, 3), 15);
	/* 'a' is 00011: three 1 bits of padding are fine ... */
	CHECK_EQ_U(hpack_huffman_decode((const uint8_t *)"\x1f", 1, out, 8), 1);
	CHECK_EQ_U(out[0], 'a');
	/* ... zeros are not, nor more than 7 bits, nor EOS itself. */
	CHECK_EQ_U(hpack_huffman_decode((const uint8_t *)"\x18", 1, out, 8),
	    (uint64_t)-1);
	CHECK_EQ_U(hpack_huffman_decode((const uint8_t *)"\x1f\xff", 2, out, 8),
	    (uint64_t)-1);
	CHECK_EQ_U(hpack_huffman_decode((const uint8_t *)"\xff\xff\xff\xff", 4,
	    out, 8), (uint64_t)-1);
	CHECK_EQ_U(hpack_huffman_decode(NULL, 0, out, 8), 0);
}

static void
expect_error(const char *hex, enum hpack_error e)
{
	size_t n = unhex(hex);

	hpack_init(&d, 4096);
	CHECK_EQ_U(hpack_decode(&d, work, n, &b), HPACK_MALFORMED);
	CHECK_EQ_U(b.err, e);
	CHECK(d.is_broken);
	CHECK_EQ_U(hpack_decode(&d, (const uint8_t *)"\x82", 1, &b),
	    HPACK_MALFORMED);
	CHECK_EQ_U(b.err, HPACK_ERR_BROKEN);
}

static void
test_errors(void)
{
	expect_error("80", HPACK_ERR_INDEX);		/* index 0 */
	expect_error("be", HPACK_ERR_INDEX);		/* 62, table empty */
	expect_error("ff80808080808000", HPACK_ERR_INTEGER);	/* too long */
	expect_error("3fffffffff0f", HPACK_ERR_INTEGER);	/* > 2^32-1 */
	expect_error("3f", HPACK_ERR_INTEGER);		/* ends inside */
	expect_error("400a6375", HPACK_ERR_TRUNCATED);	/* string cut */
	expect_error("40", HPACK_ERR_TRUNCATED);
	expect_error("4081ff01", HPACK_ERR_HUFFMAN);	/* EOS padding */
	expect_error("048400", HPACK_ERR_TRUNCATED);
	/* Field before the error is kept. */
	CHECK_EQ_U(hpack_decode(&d, work, unhex("8280"), &b), HPACK_MALFORMED);
}

static void
test_size_updates(void)
{
	/* C.1.2: 1337 with a 5-bit prefix is 1f 9a 0a (here as 3f 9a 0a). */
	hpack_init(&d, 4096);
	CHECK_EQ_U(hpack_decode(&d, work, unhex("3f9a0a"), &b), HPACK_OK);
	CHECK_EQ_U(d.max_size, 1337);
	/* 8192 > our cap: clamped and flagged. */
	CHECK_EQ_U(hpack_decode(&d, work, unhex("3fe13f82"), &b), HPACK_OK);
	CHECK_EQ_U(d.max_size, HPACK_TABLE_CAP);
	CHECK(b.anomalies & HPACK_ANOM_SIZE_CLAMPED);
	/* After a field: allowed here, but flagged. */
	CHECK_EQ_U(hpack_decode(&d, work, unhex("823fe11f"), &b), HPACK_OK);
	CHECK(b.anomalies & HPACK_ANOM_LATE_SIZE_UPDATE);
	/* Shrinking evicts; 0 empties. */
	hpack_init(&d, 4096);
	decode_ok(c3[0], REQ1, 57);
	CHECK_EQ_U(hpack_decode(&d, work, unhex("20"), &b), HPACK_OK);
	CHECK_EQ_U(d.n, 0);
	CHECK_EQ_U(d.size, 0);
	/* A redundant 0x00 continuation byte: 0x3f 0x81 0x00 = 32. */
	CHECK_EQ_U(hpack_decode(&d, work, unhex("3f8100"), &b), HPACK_OK);
	CHECK(b.anomalies & HPACK_ANOM_LONG_INT_PAD);
	CHECK_EQ_U(d.max_size, 32);
}

/* Insert entries of varied sizes so the arena wraps many times; the newest
 * entry (index 62) must always read back. */
static void
test_wrap(void)
{
	char name[16], val[400];
	int bad = 0;

	hpack_init(&d, 4096);
	for (int i = 0; i < 500; i++) {
		size_t nl = (size_t)snprintf(name, sizeof(name), "x-%d", i);
		size_t vl = (size_t)(i * 37 % 300);
		size_t n = 0;

		memset(val, 'a' + i % 26, vl);
		work[n++] = 0x40;
		work[n++] = (uint8_t)nl;
		memcpy(work + n, name, nl);
		n += nl;
		if (vl < 127)
			work[n++] = (uint8_t)vl;
		else {
			work[n++] = 0x7f;
			work[n++] = (uint8_t)((vl - 127) & 0x7f);
			if (vl - 127 >= 128) {
				work[n - 1] |= 0x80;
				work[n++] = (uint8_t)((vl - 127) >> 7);
			}
		}
		memcpy(work + n, val, vl);
		n += vl;
		work[n++] = 0xbe;			/* index 62 */
		if (hpack_decode(&d, work, n, &b) != HPACK_OK || b.n != 2 ||
		    strcmp(hpack_field_name(&b, 1), name) != 0 ||
		    b.f[1].value_len != vl ||
		    memcmp(hpack_field_value(&b, 1), val, vl) != 0 ||
		    d.size > d.max_size)
			bad++;
	}
	CHECK_EQ_U(bad, 0);
	/* An entry bigger than the table empties it. */
	hpack_init(&d, 64);
	decode_ok("400161" "0161", "a: a\n", 34);
	size_t n = unhex("400162" "7f21");		/* value of 160 bytes */
	memset(work + n, 'v', 160);
	CHECK_EQ_U(hpack_decode(&d, work, n + 160, &b), HPACK_OK);
	CHECK_EQ_U(d.n, 0);
	CHECK_EQ_U(d.size, 0);
}

static void
test_caps(void)
{
	hpack_init(&d, 4096);
	memset(work, 0x82, 200);
	CHECK_EQ_U(hpack_decode(&d, work, 200, &b), HPACK_OK);
	CHECK_EQ_U(b.n, HPACK_MAX_FIELDS);
	CHECK_EQ_U(b.n_seen, 200);
	CHECK(b.anomalies & HPACK_ANOM_FIELDS_TRUNCATED);
	CHECK_EQ_U(hpack_decode(&d, work, unhex("000158" "0178"), &b),
	    HPACK_OK);
	CHECK(b.anomalies & HPACK_ANOM_UPPERCASE_NAME);
	CHECK_EQ_S(dump(), "X: x\n");
}

/* Every prefix and single-byte flip of the RFC blocks: no crash, a sane
 * block, and a broken decoder only after an error. */
static void
test_abuse(void)
{
	const char *const *sets[] = { c3, c4, c5, c6 };
	int bad = 0;

	for (size_t s = 0; s < 4; s++)
		for (size_t k = 0; k < 3; k++) {
			static uint8_t blk[512];
			size_t n = unhex(sets[s][k]);

			memcpy(blk, work, n);
			for (size_t len = 0; len <= n; len++) {
				hpack_init(&d, s < 2 ? 4096 : 256);
				enum hpack_status st = hpack_decode(&d, blk, len,
				    &b);
				if ((st == HPACK_OK) == d.is_broken ||
				    b.n > HPACK_MAX_FIELDS ||
				    b.used > HPACK_BLOCK_BUF)
					bad++;
			}
			for (size_t i = 0; i < n; i++)
				for (int m = 0; m < 8; m++) {
					blk[i] ^= (uint8_t)(1u << m);
					hpack_init(&d, 256);
					enum hpack_status st = hpack_decode(&d, blk,
					    n, &b);
					if ((st == HPACK_OK) == d.is_broken ||
					    d.size > d.max_size ||
					    b.n > HPACK_MAX_FIELDS)
						bad++;
					blk[i] ^= (uint8_t)(1u << m);
				}
		}
	CHECK_EQ_U(bad, 0);
	hpack_wipe(&d);
	CHECK_EQ_U(d.n, 0);
}

int
main(void)
{
	test_rfc_examples();
	test_huffman();
	test_errors();
	test_size_updates();
	test_wrap();
	test_caps();
	test_abuse();
	return test_done("test_hpack");
}

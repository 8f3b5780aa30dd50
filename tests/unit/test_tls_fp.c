/* tests/unit/test_tls_fp.c: JA3, JA3S and JA4.
 * Expected values: tshark's JA3/JA3S (in the fixture headers), the JA4
 * specification's own worked example, and JA4s derived outside this
 * project (tests/fixtures/tls/expected_ja4.h).  None come from our output. */
#include "analyzers/tls_fp.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "analyzers/tls_hello.h"
#include "tests/fixtures/tls/fixtures.h"
#include "tests/test.h"

static char buf[TLS_FP_JA3_MAX + TLS_FP_JA4_RAW_MAX + 1];

static void
test_fixture(const struct fixture *f)
{
	struct tls_hs_msg m;
	struct tls_client_hello ch;
	struct tls_server_hello sh;

	if (!CHECK(find_msg(f->client, f->client_len, TLS_HS_CLIENT_HELLO,
	    &m)) || !CHECK(tls_parse_client_hello(m.body, m.len, &ch) ==
	    TLS_OK))
		return;
	CHECK_EQ_U(tls_fp_ja3(&ch, buf, sizeof(buf)), strlen(f->ja3_full));
	CHECK_EQ_S(buf, f->ja3_full);
	CHECK_EQ_U(tls_fp_ja3_md5(&ch, buf, sizeof(buf)), 32);
	CHECK_EQ_S(buf, f->ja3);
	CHECK_EQ_U(tls_fp_ja4(&ch, 't', TLS_FP_JA4, buf, sizeof(buf)),
	    TLS_FP_JA4_LEN);
	CHECK_EQ_S(buf, f->ja4);
	CHECK_EQ_U(tls_fp_ja4(&ch, 't', TLS_FP_JA4_O, buf, sizeof(buf)),
	    TLS_FP_JA4_LEN);
	CHECK_EQ_S(buf, f->ja4_o);
	/* QUIC and DTLS only change the first character. */
	(void)tls_fp_ja4(&ch, 'q', TLS_FP_JA4, buf, sizeof(buf));
	CHECK(buf[0] == 'q' && strcmp(buf + 1, f->ja4 + 1) == 0);
	/* Both forms at once, and MD5 of a string made before, equal the
	 * one-at-a-time results. */
	for (int orig = 0; orig < 2; orig++) {
		char fp[TLS_FP_JA4_LEN + 1], one[TLS_FP_JA4_RAW_MAX + 1];
		size_t raw_n, n;

		n = tls_fp_ja4_pair(&ch, 'd', orig, fp, sizeof(fp), buf,
		    sizeof(buf), &raw_n);
		CHECK_EQ_U(n, tls_fp_ja4(&ch, 'd', orig ? TLS_FP_JA4_O :
		    TLS_FP_JA4, one, sizeof(one)));
		CHECK_EQ_S(fp, one);
		CHECK_EQ_U(raw_n, tls_fp_ja4(&ch, 'd', orig ? TLS_FP_JA4_RO :
		    TLS_FP_JA4_R, one, sizeof(one)));
		CHECK_EQ_S(buf, one);
	}
	CHECK_EQ_U(tls_fp_md5_hex(f->ja3_full, strlen(f->ja3_full), buf,
	    sizeof(buf)), 32);
	CHECK_EQ_S(buf, f->ja3);

	if (!CHECK(find_msg(f->server, f->server_len, TLS_HS_SERVER_HELLO,
	    &m)) || !CHECK(tls_parse_server_hello(m.body, m.len, &sh) ==
	    TLS_OK))
		return;
	CHECK_EQ_U(tls_fp_ja3s(&sh, buf, sizeof(buf)), strlen(f->ja3s_full));
	CHECK_EQ_S(buf, f->ja3s_full);
	CHECK_EQ_U(tls_fp_ja3s_md5(&sh, buf, sizeof(buf)), 32);
	CHECK_EQ_S(buf, f->ja3s);
}

static void
test_raw_forms(void)
{
	struct tls_hs_msg m;
	struct tls_client_hello ch;

	CHECK(find_msg(curl_https_client, sizeof(curl_https_client),
	    TLS_HS_CLIENT_HELLO, &m));
	CHECK_EQ_U(tls_parse_client_hello(m.body, m.len, &ch), TLS_OK);
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4_R, buf, sizeof(buf));
	CHECK_EQ_S(buf, CURL_HTTPS_JA4_R);
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4_RO, buf, sizeof(buf));
	CHECK_EQ_S(buf, CURL_HTTPS_JA4_RO);

	CHECK(find_msg(chromium_client, sizeof(chromium_client),
	    TLS_HS_CLIENT_HELLO, &m));
	CHECK_EQ_U(tls_parse_client_hello(m.body, m.len, &ch), TLS_OK);
	CHECK(ch.has_grease);
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4_R, buf, sizeof(buf));
	CHECK_EQ_S(buf, CHROMIUM_JA4_R);
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4_RO, buf, sizeof(buf));
	CHECK_EQ_S(buf, CHROMIUM_JA4_RO);
}

/* The worked example of the JA4 specification (technical_details/JA4.md):
 * its cipher, extension and signature algorithm lists, TLS 1.3, SNI,
 * ALPN h2.  GREASE is sprinkled in and must change nothing. */
static void
spec_example(struct tls_client_hello *ch)
{
	static const uint16_t ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b,
	    0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
	    0x009d, 0x002f, 0x0035 };
	static const uint16_t exts[] = { 0x001b, 0x0000, 0x0033, 0x0010,
	    0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b,
	    0xff01, 0x000b, 0x000a, 0x0015 };
	static const uint16_t sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503,
	    0x0805, 0x0501, 0x0806, 0x0601 };

	memset(ch, 0, sizeof(*ch));
	ch->legacy_version = 0x0303;
	ch->ciphers[ch->n_ciphers++] = 0x3a3a;
	memcpy(ch->ciphers + ch->n_ciphers, ciphers, sizeof(ciphers));
	ch->n_ciphers += sizeof(ciphers) / 2;
	ch->extensions[ch->n_extensions++] = 0xeaea;
	memcpy(ch->extensions + ch->n_extensions, exts, sizeof(exts));
	ch->n_extensions += sizeof(exts) / 2;
	ch->extensions[ch->n_extensions++] = 0x1a1a;
	memcpy(ch->sig_algs, sigs, sizeof(sigs));
	ch->n_sig_algs = sizeof(sigs) / 2;
	ch->versions[0] = 0x7a7a;
	ch->versions[1] = 0x0304;
	ch->versions[2] = 0x0303;
	ch->n_versions = 3;
	ch->has_supported_versions = true;
	ch->has_sni = true;
	ch->has_alpn = true;
	ch->n_alpn = 2;
	ch->alpn[0].len = ch->alpn[0].wire_len = 2;
	memcpy(ch->alpn[0].name, "h2", 2);
	ch->alpn[0].last = '2';
	ch->alpn[1].len = ch->alpn[1].wire_len = 8;
	memcpy(ch->alpn[1].name, "http/1.1", 8);
	ch->alpn[1].last = '1';
}

static void
test_spec_example(void)
{
	struct tls_client_hello ch;
	char h[TLS_FP_HASH12_LEN + 1];

	spec_example(&ch);
	CHECK_EQ_U(tls_fp_ja4(&ch, 't', TLS_FP_JA4, buf, sizeof(buf)), 36);
	CHECK_EQ_S(buf, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4_O, buf, sizeof(buf));
	CHECK_EQ_S(buf, "t13d1516h2_acb858a92679_18f69afefd3d");
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4_R, buf, sizeof(buf));
	CHECK_EQ_S(buf, "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,"
	    "c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,"
	    "0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,"
	    "0501,0806,0601");
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4_RO, buf, sizeof(buf));
	CHECK_EQ_S(buf, "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,"
	    "cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,"
	    "002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,"
	    "0503,0805,0501,0806,0601");
	/* "If there are no signature algorithms ... ends without an
	 * underscore": the spec's example hash of that string. */
	ch.n_sig_algs = 0;
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4, buf, sizeof(buf));
	CHECK_EQ_S(buf, "t13d1516h2_8daaf6152771_6d807ffa2a79");
	CHECK(tls_fp_hash12("0005,000a,000b,000d,0012,0015,0017,001b,0023,"
	    "002b,002d,0033,4469,ff01", 69, h));
	CHECK_EQ_S(h, "6d807ffa2a79");
	/* No SNI: 'i'; no supported_versions: legacy_version. */
	ch.has_sni = false;
	ch.n_versions = 0;
	(void)tls_fp_ja4(&ch, 'd', TLS_FP_JA4, buf, sizeof(buf));
	CHECK(strncmp(buf, "d12i1516h2_", 11) == 0);
	/* Empty lists hash to twelve zeros. */
	ch.n_ciphers = 0;
	ch.n_extensions = 0;
	ch.n_alpn = 0;
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4, buf, sizeof(buf));
	CHECK_EQ_S(buf, "t12i000000_000000000000_000000000000");
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4_R, buf, sizeof(buf));
	CHECK_EQ_S(buf, "t12i000000__");
	CHECK(tls_fp_hash12("", 0, h));
	CHECK_EQ_S(h, "000000000000");
}

/* "If there's > 99, which there should never be, then output 99." */
static void
test_counts_capped(void)
{
	struct tls_client_hello ch;

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0x0301;
	for (uint16_t i = 0; i < 150; i++)
		ch.ciphers[ch.n_ciphers++] = (uint16_t)(0x0100 + i);
	for (uint16_t i = 0; i < TLS_MAX_EXTENSIONS; i++)
		ch.extensions[ch.n_extensions++] = (uint16_t)(0x1000 + i);
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4, buf, sizeof(buf));
	CHECK(strncmp(buf, "t10i996400_", 11) == 0);
	ch.n_extensions = 0;
	for (uint16_t i = 0; i < 12; i++)	/* 12 GREASE: none count */
		ch.extensions[ch.n_extensions++] = (uint16_t)(0x0a0a +
		    0x1010 * (i % 16));
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4, buf, sizeof(buf));
	CHECK(strncmp(buf, "t10i9900", 8) == 0);
	CHECK_EQ_S(buf + 24, "000000000000");
}

/* The version table and supported_versions selection. */
static void
test_versions(void)
{
	static const struct {
		uint16_t	v;
		const char	*code;
	} table[] = {
		{ 0x0304, "13" }, { 0x0303, "12" }, { 0x0302, "11" },
		{ 0x0301, "10" }, { 0x0300, "s3" }, { 0x0002, "s2" },
		{ 0xfeff, "d1" }, { 0xfefd, "d2" }, { 0xfefc, "d3" },
		{ 0x0305, "00" }, { 0x7f1c, "00" }, { 0x0a0a, "00" },
	};
	struct tls_client_hello ch;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		CHECK_EQ_S(tls_fp_version_code(table[i].v), table[i].code);
	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0x0303;
	ch.versions[ch.n_versions++] = 0x0303;
	ch.versions[ch.n_versions++] = 0xfafa;	/* GREASE is not highest */
	ch.versions[ch.n_versions++] = 0x0304;
	ch.versions[ch.n_versions++] = 0x0302;
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4, buf, sizeof(buf));
	CHECK(strncmp(buf, "t13", 3) == 0);
	ch.n_versions = 1;
	ch.versions[0] = 0x2a2a;		/* only GREASE: legacy */
	(void)tls_fp_ja4(&ch, 't', TLS_FP_JA4, buf, sizeof(buf));
	CHECK(strncmp(buf, "t12", 3) == 0);
	/* DTLS counts down: 0xfefc (1.3) is higher than 0xfefd (1.2). */
	ch.legacy_version = 0xfefd;
	ch.n_versions = 2;
	ch.versions[0] = 0xfefc;
	ch.versions[1] = 0xfefd;
	(void)tls_fp_ja4(&ch, 'd', TLS_FP_JA4, buf, sizeof(buf));
	CHECK(strncmp(buf, "dd3", 3) == 0);
}

static void
alpn_case(const char *bytes, size_t n, const char *want)
{
	struct tls_alpn a;
	char out[3];

	memset(&a, 0, sizeof(a));
	a.len = a.wire_len = (uint8_t)n;
	memcpy(a.name, bytes, n);
	a.last = n > 0 ? (uint8_t)bytes[n - 1] : 0;
	tls_fp_alpn_code(&a, out);
	CHECK_EQ_S(out, want);
}

/* The ALPN examples of the specification, verbatim. */
static void
test_alpn_rule(void)
{
	struct tls_alpn a;
	char out[3];

	alpn_case("h2", 2, "h2");
	alpn_case("http/1.1", 8, "h1");
	alpn_case("\xab", 1, "ab");
	alpn_case("\x20", 1, "20");
	alpn_case("\xab\xcd", 2, "ad");
	alpn_case("\x20\x61", 2, "21");
	alpn_case("\x30\xab", 2, "3b");
	alpn_case("\x61\x20", 2, "60");
	alpn_case("\x30\x31\xab\xcd", 4, "3d");
	alpn_case("\x30\xab\xcd\x31", 4, "01");
	alpn_case("x", 1, "xx");		/* one character: both ends */
	alpn_case("", 0, "00");
	tls_fp_alpn_code(NULL, out);
	CHECK_EQ_S(out, "00");
	/* A name longer than we keep: the last wire byte still counts. */
	memset(&a, 'a', sizeof(a));
	a.len = TLS_MAX_ALPN_LEN;
	a.wire_len = 200;
	a.last = '7';
	tls_fp_alpn_code(&a, out);
	CHECK_EQ_S(out, "a7");
}

/* snprintf semantics: cut output is NUL-terminated, the full length is
 * returned. */
static void
test_short_buffers(void)
{
	struct tls_client_hello ch;
	char small[8];

	spec_example(&ch);
	memset(small, 'x', sizeof(small));
	CHECK_EQ_U(tls_fp_ja4(&ch, 't', TLS_FP_JA4, small, sizeof(small)), 36);
	CHECK_EQ_S(small, "t13d151");
	/* a: 10, ciphers 15 x 5 - 1, extensions 14 x 5 - 1, signature
	 * algorithms 8 x 5 - 1, and three '_': 195. */
	CHECK_EQ_U(tls_fp_ja4(&ch, 't', TLS_FP_JA4_R, NULL, 0), 195);
	CHECK_EQ_U(tls_fp_ja3(&ch, small, 1), tls_fp_ja3(&ch, buf,
	    sizeof(buf)));
	CHECK_EQ_S(small, "");
	CHECK_EQ_U(tls_fp_ja3_md5(&ch, small, sizeof(small)), 32);
	CHECK_EQ_U(strlen(small), 7);
}

/* Every prefix and single-byte flip of every ClientHello: fingerprints
 * of whatever parsed stay well-formed. */
static void
test_abuse(const struct fixture *f)
{
	static uint8_t copy[1 << 16];
	struct tls_hs_msg m;
	struct tls_client_hello ch;
	size_t bad = 0;

	if (!find_msg(f->client, f->client_len, TLS_HS_CLIENT_HELLO, &m))
		return;
	memcpy(copy, m.body, m.len);
	for (size_t i = 0; i <= 2 * (size_t)m.len; i++) {
		size_t len = i <= m.len ? i : m.len;
		size_t flip = i - m.len - 1;

		if (i > m.len)
			copy[flip] ^= 0x5a;
		(void)tls_parse_client_hello(copy, len, &ch);
		bad += tls_fp_ja4(&ch, 't', TLS_FP_JA4, buf, sizeof(buf)) !=
		    TLS_FP_JA4_LEN || strlen(buf) != TLS_FP_JA4_LEN;
		bad += tls_fp_ja4(&ch, 't', TLS_FP_JA4_O, buf, sizeof(buf)) !=
		    TLS_FP_JA4_LEN;
		bad += tls_fp_ja4(&ch, 't', TLS_FP_JA4_RO, buf, sizeof(buf)) >
		    TLS_FP_JA4_RAW_MAX;
		bad += tls_fp_ja3(&ch, buf, sizeof(buf)) > TLS_FP_JA3_MAX;
		bad += tls_fp_ja3_md5(&ch, buf, sizeof(buf)) != 32;
		if (i > m.len)
			copy[flip] ^= 0x5a;
	}
	CHECK_EQ_U(bad, 0);
}

/* The longest lists the parser can hold fit the *_MAX sizes. */
static void
test_worst_case(void)
{
	static struct tls_client_hello ch;
	static struct tls_server_hello sh;

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 65535;
	ch.n_ciphers = TLS_MAX_CIPHERS;
	ch.n_extensions = TLS_MAX_EXTENSIONS;
	ch.n_groups = TLS_MAX_GROUPS;
	ch.n_point_formats = TLS_MAX_POINT_FORMATS;
	ch.n_sig_algs = TLS_MAX_SIG_ALGS;
	/* 0xc000 + i: five decimal digits, never GREASE. */
	for (size_t i = 0; i < TLS_MAX_CIPHERS; i++)
		ch.ciphers[i] = (uint16_t)(0xc000 + i);
	for (size_t i = 0; i < TLS_MAX_EXTENSIONS; i++)
		ch.extensions[i] = ch.groups[i] = ch.sig_algs[i] =
		    (uint16_t)(0xc000 + i);
	memset(ch.point_formats, 255, sizeof(ch.point_formats));
	/* The *_MAX sizes count a separator after every value: the
	 * strings are one shorter per list. */
	CHECK_EQ_U(tls_fp_ja3(&ch, buf, sizeof(buf)), TLS_FP_JA3_MAX - 4);
	CHECK_EQ_U(tls_fp_ja4(&ch, 't', TLS_FP_JA4_RO, buf, sizeof(buf)),
	    TLS_FP_JA4_RAW_MAX - 3);
	memset(&sh, 0, sizeof(sh));
	sh.legacy_version = sh.cipher = 65535;
	sh.n_extensions = TLS_MAX_EXTENSIONS;
	for (size_t i = 0; i < TLS_MAX_EXTENSIONS; i++)
		sh.extensions[i] = (uint16_t)(0xc000 + i);
	CHECK_EQ_U(tls_fp_ja3s(&sh, buf, sizeof(buf)), TLS_FP_JA3S_MAX - 1);
}

/* tls_fp_hash12 remembers recent digests per thread: on 600 inputs of
 * 1..900 bytes (past the memo's input cap too), some differing in one
 * byte, hashed in two passes in different orders (hits, misses and
 * evictions), every value equals the first 12 hex digits of SHA-256 as
 * tls_fp_sha256 computes it without the memo. */
static void
test_hash12_memo(void)
{
	static char in[600][900];
	size_t len[600];
	uint32_t x = 12345;
	int bad = 0;

	for (size_t i = 0; i < 600; i++) {
		len[i] = 1 + i * 3 % 900;
		for (size_t k = 0; k < len[i]; k++) {
			x = x * 1103515245u + 12345u;
			in[i][k] = (char)('0' + (x >> 16) % 40);
		}
		if (i % 2 == 1) {	/* the previous input, one byte off */
			len[i] = len[i - 1];
			memcpy(in[i], in[i - 1], len[i]);
			in[i][len[i] / 2] ^= 1;
		}
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t n = 0; n < 600; n++) {
			size_t i = pass == 0 ? n : (n * 7) % 600;
			char got[TLS_FP_HASH12_LEN + 1], want[13];
			uint8_t d[32];

			CHECK(tls_fp_hash12(in[i], len[i], got));
			CHECK(tls_fp_sha256(in[i], len[i], d));
			for (int k = 0; k < 12; k++)
				want[k] = "0123456789abcdef"[(d[k / 2] >>
				    (k % 2 ? 0 : 4)) & 15];
			want[12] = '\0';
			bad += strcmp(got, want) != 0;
		}
	CHECK_EQ_U(bad, 0);
}

int
main(void)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		test_fixture(&fixtures[i]);
		test_abuse(&fixtures[i]);
	}
	test_raw_forms();
	test_spec_example();
	test_counts_capped();
	test_versions();
	test_alpn_rule();
	test_short_buffers();
	test_worst_case();
	test_hash12_memo();
	return test_done("test_tls_fp");
}

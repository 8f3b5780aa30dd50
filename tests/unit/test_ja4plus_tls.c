/* tests/unit/test_ja4plus_tls.c: JA4S and JA4X (FoxIO License 1.1; built
 * with --enable-ja4plus only).  Expected values are derived outside this
 * project (tests/fixtures/tls/expected_ja4.h); the certificate names are
 * what `openssl x509 -subject -issuer` prints for the same DER. */
#include "analyzers/ja4s.h"
#include "analyzers/ja4x.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "analyzers/tls_hello.h"
#include "tests/fixtures/tls/fixtures.h"
#include "tests/test.h"

static char buf[JA4S_RAW_MAX + 1];

static void
test_ja4s(const struct fixture *f)
{
	struct tls_hs_msg m;
	struct tls_server_hello sh;

	if (!CHECK(find_msg(f->server, f->server_len, TLS_HS_SERVER_HELLO,
	    &m)) || !CHECK(tls_parse_server_hello(m.body, m.len, &sh) ==
	    TLS_OK))
		return;
	CHECK_EQ_U(ja4s_format(&sh, 't', false, buf, sizeof(buf)), JA4S_LEN);
	CHECK_EQ_S(buf, f->ja4s);
	(void)ja4s_format(&sh, 'q', false, buf, sizeof(buf));
	CHECK(buf[0] == 'q' && strcmp(buf + 1, f->ja4s + 1) == 0);
}

static void
test_ja4s_raw_and_edges(void)
{
	struct tls_hs_msg m;
	struct tls_server_hello sh;

	CHECK(find_msg(curl_https_server, sizeof(curl_https_server),
	    TLS_HS_SERVER_HELLO, &m));
	CHECK_EQ_U(tls_parse_server_hello(m.body, m.len, &sh), TLS_OK);
	(void)ja4s_format(&sh, 't', true, buf, sizeof(buf));
	CHECK_EQ_S(buf, CURL_HTTPS_JA4S_R);
	CHECK(find_msg(chromium_server, sizeof(chromium_server),
	    TLS_HS_SERVER_HELLO, &m));
	CHECK_EQ_U(tls_parse_server_hello(m.body, m.len, &sh), TLS_OK);
	(void)ja4s_format(&sh, 't', true, buf, sizeof(buf));
	CHECK_EQ_S(buf, CHROMIUM_JA4S_R);

	/* No extensions, no supported_versions, ALPN chosen: hand-built. */
	memset(&sh, 0, sizeof(sh));
	sh.legacy_version = 0x0301;
	sh.cipher = 0x002f;
	(void)ja4s_format(&sh, 't', false, buf, sizeof(buf));
	CHECK_EQ_S(buf, "t100000_002f_000000000000");
	(void)ja4s_format(&sh, 't', true, buf, sizeof(buf));
	CHECK_EQ_S(buf, "t100000_002f_");
	sh.has_alpn = true;
	sh.alpn.len = sh.alpn.wire_len = 8;
	memcpy(sh.alpn.name, "http/1.1", 8);
	sh.alpn.last = '1';
	sh.n_extensions = 1;
	sh.extensions[0] = TLS_EXT_ALPN;
	(void)ja4s_format(&sh, 't', true, buf, sizeof(buf));
	CHECK_EQ_S(buf, "t1001h1_002f_0010");
	CHECK_EQ_U(ja4s_format(&sh, 't', false, NULL, 0), JA4S_LEN);
}

/* The two certificates of openssl_tls12 (leaf, then CA). */
static void
test_ja4x(void)
{
	static const char *const want[] = {
		OPENSSL_TLS12_JA4X_0, OPENSSL_TLS12_JA4X_1,
	};
	static const char *const subject[] = {
		"CN=www.example.test", "CN=fpsensor test CA",
	};
	static struct ja4x x;
	struct tls_hs_msg m;
	struct tls_certificate c;

	if (!CHECK(find_msg(openssl_tls12_server, sizeof(openssl_tls12_server),
	    TLS_HS_CERTIFICATE, &m)))
		return;
	CHECK_EQ_U(tls_parse_certificate(m.body, m.len, false, &c), TLS_OK);
	CHECK_EQ_U(c.n_certs, 2);
	for (size_t i = 0; i < c.n_certs && i < 2; i++) {
		const uint8_t *der = m.body + c.certs[i].off;
		size_t len = c.certs[i].len;
		size_t bad = 0;

		CHECK_EQ_U(ja4x_from_der(der, len, &x), TLS_OK);
		CHECK_EQ_S(x.ja4x, want[i]);
		CHECK_EQ_U(strlen(x.ja4x), JA4X_LEN);
		CHECK_EQ_S(x.issuer, "CN=fpsensor test CA");
		CHECK_EQ_S(x.subject, subject[i]);
		CHECK_EQ_U(x.anomalies, 0);
		CHECK(strncmp(x.raw, "550403_550403_551d", 18) == 0);
		/* Every prefix fails cleanly (ASan checks for leaks). */
		for (size_t n = 0; n < len; n++)
			bad += ja4x_from_der(der, n, &x) != TLS_MALFORMED ||
			    x.ja4x[0] != '\0';
		CHECK_EQ_U(bad, 0);
	}
}

/* Single-byte flips of the leaf certificate: no crash, no leak; a cert
 * OpenSSL still accepts gives a well-formed JA4X. */
static void
test_ja4x_flips(void)
{
	static uint8_t der[4096];
	static struct ja4x x;
	struct tls_hs_msg m;
	struct tls_certificate c;
	size_t len, bad = 0;

	if (!find_msg(openssl_tls12_server, sizeof(openssl_tls12_server),
	    TLS_HS_CERTIFICATE, &m) ||
	    tls_parse_certificate(m.body, m.len, false, &c) != TLS_OK)
		return;
	len = c.certs[0].len;
	memcpy(der, m.body + c.certs[0].off, len);
	for (size_t i = 0; i < len; i++) {
		der[i] ^= 0x41;
		if (ja4x_from_der(der, len, &x) == TLS_OK)
			bad += strlen(x.ja4x) != JA4X_LEN;
		der[i] ^= 0x41;
	}
	CHECK_EQ_U(bad, 0);
	CHECK_EQ_U(ja4x_from_der(der, 0, &x), TLS_MALFORMED);
	CHECK_EQ_U(ja4x_from_der((const uint8_t *)"\x30\x00", 2, &x),
	    TLS_MALFORMED);
}

int
main(void)
{
	for (size_t i = 0; i < N_FIXTURES; i++)
		test_ja4s(&fixtures[i]);
	test_ja4s_raw_and_edges();
	test_ja4x();
	test_ja4x_flips();
	return test_done("test_ja4plus_tls");
}

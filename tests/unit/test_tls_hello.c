/* tests/unit/test_tls_hello.c: TLS/DTLS record walker and hello parsers.
 * Fixtures are real handshakes (tests/fixtures/tls/, from pcaps/); field
 * expectations come from tshark's JA3 strings in those headers, not from
 * our own output. */
#include "analyzers/tls_hello.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fixtures/tls/fixtures.h"
#include "tests/test.h"

/* Parse one field of a JA3 string ("a-b-c") into vals; returns count. */
static size_t
ja3_field(const char *ja3, int field, unsigned *vals, size_t cap)
{
	const char *p = ja3;
	size_t n = 0;

	for (int i = 0; i < field; i++) {
		p = strchr(p, ',');
		if (p == NULL)
			return 0;
		p++;
	}
	while (*p != '\0' && *p != ',' && n < cap) {
		char *end;

		vals[n++] = (unsigned)strtoul(p, &end, 10);
		p = *end == '-' ? end + 1 : end;
	}
	return n;
}

/* Non-GREASE values of list[0..n) equal want[0..n_want)? */
static bool
same_list(const uint16_t *list, size_t n, const unsigned *want,
    size_t n_want)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (tls_is_grease(list[i]))
			continue;
		if (k >= n_want || want[k] != list[i])
			return false;
		k++;
	}
	return k == n_want;
}

/* ClientHello fields against tshark's JA3 string of the same frame. */
static void
test_client_hello_fields(const struct fixture *f)
{
	struct tls_hs_msg m;
	struct tls_client_hello ch;
	unsigned want[512];
	size_t n;
	uint16_t pf[TLS_MAX_POINT_FORMATS];

	if (!CHECK(find_msg(f->client, f->client_len, TLS_HS_CLIENT_HELLO,
	    &m)))
		return;
	CHECK_EQ_U(tls_parse_client_hello(m.body, m.len, &ch), TLS_OK);
	CHECK_EQ_U(ch.anomalies, 0);
	CHECK_EQ_U(ch.legacy_version, strtoul(f->ja3_full, NULL, 10));
	n = ja3_field(f->ja3_full, 1, want, 512);
	CHECK(same_list(ch.ciphers, ch.n_ciphers, want, n));
	n = ja3_field(f->ja3_full, 2, want, 512);
	CHECK(same_list(ch.extensions, ch.n_extensions, want, n));
	n = ja3_field(f->ja3_full, 3, want, 512);
	CHECK(same_list(ch.groups, ch.n_groups, want, n));
	n = ja3_field(f->ja3_full, 4, want, 512);
	for (size_t i = 0; i < ch.n_point_formats; i++)
		pf[i] = ch.point_formats[i];
	CHECK(same_list(pf, ch.n_point_formats, want, n));
	/* Every capture asked for www.example.test (pcaps/make_pcaps.sh). */
	CHECK(ch.has_sni);
	CHECK_EQ_S(ch.sni, "www.example.test");
	CHECK_EQ_U(ch.sni_len, strlen("www.example.test"));
}

static void
test_server_hello_fields(const struct fixture *f)
{
	struct tls_hs_msg m;
	struct tls_server_hello sh;
	unsigned want[64];
	size_t n;

	if (!CHECK(find_msg(f->server, f->server_len, TLS_HS_SERVER_HELLO,
	    &m)))
		return;
	CHECK_EQ_U(tls_parse_server_hello(m.body, m.len, &sh), TLS_OK);
	CHECK_EQ_U(sh.anomalies, 0);
	CHECK(!sh.is_hrr);
	CHECK_EQ_U(sh.legacy_version, strtoul(f->ja3s_full, NULL, 10));
	CHECK_EQ_U(ja3_field(f->ja3s_full, 1, want, 64), 1);
	CHECK_EQ_U(sh.cipher, want[0]);
	n = ja3_field(f->ja3s_full, 2, want, 64);
	CHECK(same_list(sh.extensions, sh.n_extensions, want, n));
	/* TLS 1.3 servers answer with supported_versions 0x0304. */
	if (sh.has_supported_versions)
		CHECK_EQ_U(sh.selected_version, 0x0304);
	else
		CHECK(strcmp(f->name, "openssl_tls12") == 0);
}

/* The walker gathers the same bytes however the stream is cut up. */
static void
test_walker_resumes(const struct fixture *f)
{
	static uint8_t whole[1 << 16];
	struct tls_record_state a, b;
	enum tls_status s = TLS_NEED_MORE;

	tls_record_init(&a, whole, sizeof(whole));
	CHECK_EQ_U(tls_record_feed(&a, f->client, f->client_len),
	    TLS_NEED_MORE);
	CHECK(a.is_tls && !a.is_done && a.anomalies == 0);
	tls_record_init(&b, hs_buf, sizeof(hs_buf));
	for (size_t len = 0; len <= f->client_len; len++) {
		s = tls_record_feed(&b, f->client, len);
		if (s != TLS_NEED_MORE)
			break;
	}
	CHECK_EQ_U(s, TLS_NEED_MORE);
	CHECK_EQ_U(b.hs_len, a.hs_len);
	CHECK_EQ_U(b.consumed, f->client_len);
	CHECK(memcmp(a.hs_buf, b.hs_buf, a.hs_len) == 0);
}

/* Every prefix and every single-byte flip: no crash, allowed statuses. */
static void
test_abuse(const struct fixture *f)
{
	static uint8_t copy[1 << 16];
	struct tls_hs_msg m;
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct tls_record_state st;
	size_t body_len, bad = 0;
	enum tls_status s;

	if (!find_msg(f->client, f->client_len, TLS_HS_CLIENT_HELLO, &m))
		return;
	body_len = m.len;
	memcpy(copy, m.body, body_len);
	for (size_t len = 0; len <= body_len; len++) {
		s = tls_parse_client_hello(copy, len, &ch);
		bad += s != TLS_OK && s != TLS_MALFORMED;
		bad += ch.n_ciphers > TLS_MAX_CIPHERS || ch.sni_len > 255;
	}
	for (size_t i = 0; i < body_len; i++) {
		copy[i] ^= 0xff;
		s = tls_parse_client_hello(copy, body_len, &ch);
		bad += s != TLS_OK && s != TLS_MALFORMED;
		s = dtls_parse_client_hello(copy, body_len, &ch);
		bad += s != TLS_OK && s != TLS_MALFORMED;
		s = tls_parse_server_hello(copy, body_len, &sh);
		bad += s != TLS_OK && s != TLS_MALFORMED;
		copy[i] ^= 0xff;
	}
	/* The walker on every prefix and flip of the raw stream. */
	memcpy(copy, f->server, f->server_len);
	for (size_t len = 0; len <= f->server_len; len++) {
		tls_record_init(&st, hs_buf, sizeof(hs_buf));
		s = tls_record_feed(&st, copy, len);
		bad += s != TLS_NEED_MORE && s != TLS_OK;
		bad += st.hs_len > st.hs_cap;
	}
	for (size_t i = 0; i < f->server_len; i++) {
		size_t pos = 0;

		copy[i] ^= 0xff;
		tls_record_init(&st, hs_buf, sizeof(hs_buf));
		(void)tls_record_feed(&st, copy, f->server_len);
		while (tls_hs_next(st.hs_buf, st.hs_len, &pos, &m) == TLS_OK)
			if (m.type == TLS_HS_SERVER_HELLO) {
				s = tls_parse_server_hello(m.body, m.len, &sh);
				bad += s != TLS_OK && s != TLS_MALFORMED;
			}
		bad += pos > st.hs_len;
		copy[i] ^= 0xff;
	}
	CHECK_EQ_U(bad, 0);
}

static void
test_probe(void)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";
	static const uint8_t ssh[] = "SSH-2.0-OpenSSH_9.2\r\n";
	static const uint8_t appdata[] = { 0x17, 0x03, 0x03, 0x00, 0x10 };
	static const uint8_t big[] = { 0x16, 0x03, 0x01, 0x48, 0x01, 0x01 };
	static const uint8_t v4[] = { 0x16, 0x04, 0x01 };
	static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02,
	    0x28 };
	struct tls_record_state st;

	CHECK_EQ_U(tls_record_probe(http, 0), TLS_NEED_MORE);
	CHECK_EQ_U(tls_record_probe(http, 1), TLS_NOT_TLS);
	CHECK_EQ_U(tls_record_probe(ssh, 1), TLS_NOT_TLS);
	CHECK_EQ_U(tls_record_probe(appdata, sizeof(appdata)), TLS_NOT_TLS);
	CHECK_EQ_U(tls_record_probe(big, sizeof(big)), TLS_NOT_TLS);
	CHECK_EQ_U(tls_record_probe(v4, 2), TLS_NOT_TLS);
	CHECK_EQ_U(tls_record_probe(curl_https_client, 1), TLS_NEED_MORE);
	CHECK_EQ_U(tls_record_probe(curl_https_client, 5), TLS_NEED_MORE);
	CHECK_EQ_U(tls_record_probe(curl_https_client, 6), TLS_OK);
	CHECK_EQ_U(tls_record_probe(alert, sizeof(alert)), TLS_OK);
	/* The walker decides on the first byte and sticks to it. */
	tls_record_init(&st, hs_buf, sizeof(hs_buf));
	CHECK_EQ_U(tls_record_feed(&st, http, 1), TLS_NOT_TLS);
	CHECK_EQ_U(tls_record_feed(&st, http, sizeof(http) - 1), TLS_NOT_TLS);
	CHECK_EQ_U(st.hs_len, 0);
	/* A server that refuses with an alert: walked, then over. */
	tls_record_init(&st, hs_buf, sizeof(hs_buf));
	CHECK_EQ_U(tls_record_feed(&st, alert, sizeof(alert)), TLS_OK);
	CHECK_EQ_U(st.stop_type, TLS_CT_ALERT);
}

/* Handshake framing: one message over several records, several messages
 * in one record, then a stop at ChangeCipherSpec. */
static void
test_walker_framing(void)
{
	static const uint8_t stream[] = {
		/* record 0: an empty ClientHello, so the probe accepts */
		0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00,
		/* record 1: a whole message (type 20, 2 bytes) and the
		 * first 3 bytes of a 6-byte message of type 4 */
		0x16, 0x03, 0x03, 0x00, 0x0d,
		0x14, 0x00, 0x00, 0x02, 0xaa, 0xbb,
		0x04, 0x00, 0x00, 0x06, 0x01, 0x02, 0x03,
		/* record 2: the rest of it */
		0x16, 0x03, 0x03, 0x00, 0x03, 0x04, 0x05, 0x06,
		/* ChangeCipherSpec, then an encrypted handshake record */
		0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
		0x16, 0x03, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00,
	};
	struct tls_record_state st;
	struct tls_hs_msg m;
	size_t pos = 0;

	/* Not a hello first: the probe refuses it. */
	tls_record_init(&st, hs_buf, sizeof(hs_buf));
	CHECK_EQ_U(tls_record_feed(&st, stream + 9, sizeof(stream) - 9),
	    TLS_NOT_TLS);
	tls_record_init(&st, hs_buf, sizeof(hs_buf));
	CHECK_EQ_U(tls_record_feed(&st, stream, 29), TLS_NEED_MORE);
	CHECK_EQ_U(st.hs_len, 17);
	CHECK_EQ_U(tls_hs_next(st.hs_buf, st.hs_len, &pos, &m), TLS_OK);
	CHECK_EQ_U(m.type, TLS_HS_CLIENT_HELLO);
	CHECK_EQ_U(m.len, 0);
	CHECK_EQ_U(tls_hs_next(st.hs_buf, st.hs_len, &pos, &m), TLS_OK);
	CHECK_EQ_U(m.type, 20);
	CHECK_EQ_U(m.len, 2);
	CHECK_EQ_U(tls_hs_next(st.hs_buf, st.hs_len, &pos, &m),
	    TLS_NEED_MORE);
	CHECK_EQ_U(pos, 10);
	CHECK_EQ_U(tls_record_feed(&st, stream, sizeof(stream)), TLS_OK);
	CHECK_EQ_U(st.stop_type, TLS_CT_CHANGE_CIPHER_SPEC);
	CHECK_EQ_U(st.n_records, 5);
	CHECK_EQ_U(tls_hs_next(st.hs_buf, st.hs_len, &pos, &m), TLS_OK);
	CHECK_EQ_U(m.type, 4);
	CHECK_EQ_U(m.len, 6);
	CHECK(m.body[0] == 1 && m.body[5] == 6);
	CHECK_EQ_U(tls_hs_next(st.hs_buf, st.hs_len, &pos, &m),
	    TLS_NEED_MORE);
	CHECK_EQ_U(tls_record_feed(&st, stream, sizeof(stream)), TLS_OK);
}

/* A record that lies about its version, and a full buffer. */
static void
test_walker_faults(void)
{
	static uint8_t stream[1 << 12];
	static uint8_t small[16];
	struct tls_record_state st;
	size_t n = sizeof(openssl_tls12_server);

	memcpy(stream, openssl_tls12_server, n);
	tls_record_init(&st, small, sizeof(small));
	CHECK_EQ_U(tls_record_feed(&st, stream, n), TLS_OK);
	CHECK(st.anomalies & TLS_REC_ANOM_HS_OVERFLOW);
	CHECK_EQ_U(st.hs_len, sizeof(small));
	/* Second record's version byte: 0x16 0x03 0x03 LL LL ... */
	stream[5 + (stream[3] << 8 | stream[4]) + 1] = 0x02;
	tls_record_init(&st, hs_buf, sizeof(hs_buf));
	CHECK_EQ_U(tls_record_feed(&st, stream, n), TLS_MALFORMED);
	CHECK(st.anomalies & TLS_REC_ANOM_BAD_VERSION);
	CHECK_EQ_U(st.n_records, 1);
	CHECK_EQ_U(tls_record_feed(&st, stream, n), TLS_MALFORMED);
}

/* RFC 6101 appendix E: SSLv2 CLIENT-HELLO announcing SSL 3.0. */
static void
test_sslv2(void)
{
	static const uint8_t v2[] = {
		0x80, 0x1b,		/* 2-byte header, 27 bytes follow */
		0x01, 0x03, 0x00,	/* CLIENT-HELLO, version 3.0 */
		0x00, 0x09,		/* cipher_spec_length */
		0x00, 0x00,		/* session_id_length */
		0x00, 0x09,	/* challenge_length (too short, legal) */
		0x01, 0x00, 0x80,	/* SSL_CK_RC4_128_WITH_MD5: v2 only */
		0x00, 0x00, 0x0a,	/* TLS_RSA_WITH_3DES_EDE_CBC_SHA */
		0x00, 0x00, 0xff,	/* renegotiation SCSV */
		1, 2, 3, 4, 5, 6, 7, 8, 9,
	};
	struct tls_record_state st;
	struct tls_client_hello ch;

	CHECK_EQ_U(tls_record_probe(v2, sizeof(v2)), TLS_OK);
	tls_record_init(&st, hs_buf, sizeof(hs_buf));
	CHECK_EQ_U(tls_record_feed(&st, v2, sizeof(v2) - 1), TLS_NEED_MORE);
	CHECK_EQ_U(tls_record_feed(&st, v2, sizeof(v2)), TLS_OK);
	CHECK(st.is_sslv2);
	CHECK(st.anomalies & TLS_REC_ANOM_SSLV2_HELLO);
	CHECK_EQ_U(st.hs_len, 27);
	CHECK_EQ_U(tls_parse_sslv2_client_hello(st.hs_buf, st.hs_len, &ch),
	    TLS_OK);
	CHECK(ch.is_sslv2 && (ch.anomalies & TLS_ANOM_SSLV2));
	CHECK_EQ_U(ch.legacy_version, 0x0300);
	CHECK_EQ_U(ch.n_ciphers, 2);
	CHECK_EQ_U(ch.ciphers[0], 0x000a);
	CHECK_EQ_U(ch.ciphers[1], 0x00ff);
	for (size_t len = 0; len < st.hs_len; len++)
		CHECK_EQ_U(tls_parse_sslv2_client_hello(st.hs_buf, len, &ch),
		    TLS_MALFORMED);
}

/* Build a ClientHello body: fixed part, then the given extension block. */
static size_t
build_hello(uint8_t *out, const uint8_t *exts, size_t exts_len)
{
	size_t n = 0;

	out[n++] = 0x03;
	out[n++] = 0x03;
	memset(out + n, 0x11, 32);			/* random */
	n += 32;
	out[n++] = 0;					/* session_id */
	out[n++] = 0;
	out[n++] = 4;					/* 2 ciphers */
	out[n++] = 0x13;
	out[n++] = 0x01;
	out[n++] = 0xda;				/* GREASE */
	out[n++] = 0xda;
	out[n++] = 1;					/* compression */
	out[n++] = 0;
	out[n++] = (uint8_t)(exts_len >> 8);
	out[n++] = (uint8_t)exts_len;
	memcpy(out + n, exts, exts_len);
	return n + exts_len;
}

static void
test_client_hello_anomalies(void)
{
	static const uint8_t dup[] = {
		0x00, 0x17, 0x00, 0x00,			/* ems */
		0x00, 0x17, 0x00, 0x00,			/* ems again */
	};
	static const uint8_t lie[] = {
		0x00, 0x0a, 0x00, 0x04, 0x00, 0x08, 0x00, 0x1d, /* groups: 8? */
		0x00, 0x10, 0x00, 0x0b, 0x00, 0x09,	/* ALPN */
		0x02, 'h', '2', 0x00,			/* an empty name */
		0x04, 'h', 't', 't', 'p',
		0x00, 0x2b, 0x00, 0x05, 0x04, 0x1a, 0x1a, 0x03, 0x04,
		0x00, 0x29, 0x00, 0x00,			/* psk... */
		0x00, 0x00, 0x00, 0x09, 0x00, 0x07, 0x00, 0x00, 0x04,
		'a', '\n', 'b', 0x80,			/* ...then SNI */
	};
	static const uint8_t cut[] = {
		0x00, 0x17, 0x00, 0x00,
		0x00, 0x0d, 0x00, 0x10, 0x00, 0x02,	/* runs past the end */
	};
	static uint8_t body[512];
	struct tls_client_hello ch;
	size_t n;

	n = build_hello(body, dup, sizeof(dup));
	CHECK_EQ_U(tls_parse_client_hello(body, n, &ch), TLS_OK);
	CHECK_EQ_U(ch.anomalies, TLS_ANOM_EXT_DUP);
	CHECK_EQ_U(ch.n_extensions, 2);
	CHECK(ch.has_ems && ch.has_grease);
	CHECK_EQ_U(ch.n_ciphers, 2);

	n = build_hello(body, lie, sizeof(lie));
	CHECK_EQ_U(tls_parse_client_hello(body, n, &ch), TLS_OK);
	CHECK(ch.anomalies & TLS_ANOM_EXT_BAD);		/* groups */
	CHECK(ch.anomalies & TLS_ANOM_ALPN_BAD);	/* empty name */
	CHECK(ch.anomalies & TLS_ANOM_PSK_NOT_LAST);
	CHECK(ch.anomalies & TLS_ANOM_SNI_BAD);
	CHECK_EQ_U(ch.n_alpn, 3);
	CHECK_EQ_U(ch.alpn[0].len, 2);
	CHECK(memcmp(ch.alpn[0].name, "h2", 2) == 0);
	CHECK_EQ_U(ch.alpn[1].len, 0);
	CHECK_EQ_U(ch.alpn[2].last, 'p');
	CHECK_EQ_U(ch.n_versions, 2);
	CHECK_EQ_U(ch.versions[0], 0x1a1a);
	CHECK_EQ_U(ch.versions[1], 0x0304);
	CHECK_EQ_S(ch.sni, "a?b?");
	CHECK(ch.has_psk && ch.has_sni && ch.has_alpn);

	n = build_hello(body, cut, sizeof(cut));
	CHECK_EQ_U(tls_parse_client_hello(body, n, &ch), TLS_MALFORMED);
	CHECK(ch.anomalies & TLS_ANOM_EXT_TRUNCATED);
	CHECK_EQ_U(ch.n_extensions, 1);
	/* The block length claims more than there is. */
	n = build_hello(body, dup, sizeof(dup));
	body[n - sizeof(dup) - 1] += 4;
	CHECK_EQ_U(tls_parse_client_hello(body, n, &ch), TLS_MALFORMED);
	CHECK(ch.anomalies & TLS_ANOM_EXT_TRUNCATED);
	CHECK_EQ_U(ch.n_extensions, 2);
	/* Trailing bytes after the block. */
	n = build_hello(body, dup, 4);
	body[n++] = 0;
	CHECK_EQ_U(tls_parse_client_hello(body, n, &ch), TLS_OK);
	CHECK_EQ_U(ch.anomalies, TLS_ANOM_TRAILING);
}

/* Absurd counts: caps hold and say so. */
static void
test_caps(void)
{
	static uint8_t body[4096], exts[2048];
	struct tls_client_hello ch;
	size_t n = 0, m = 0;

	for (unsigned i = 0; i < 100; i++) {		/* 100 extensions */
		exts[m++] = 0x30;
		exts[m++] = (uint8_t)i;
		exts[m++] = 0;
		exts[m++] = 0;
	}
	n = build_hello(body, exts, m);
	CHECK_EQ_U(tls_parse_client_hello(body, n, &ch), TLS_OK);
	CHECK_EQ_U(ch.n_extensions, TLS_MAX_EXTENSIONS);
	CHECK_EQ_U(ch.anomalies, TLS_ANOM_EXT_CAP);
	/* 300 cipher suites. */
	n = 0;
	body[n++] = 3;
	body[n++] = 3;
	memset(body + n, 0, 33);
	n += 33;
	body[n++] = 600 >> 8;
	body[n++] = 600 & 0xff;
	for (unsigned i = 0; i < 300; i++) {
		body[n++] = (uint8_t)(i >> 8);
		body[n++] = (uint8_t)i;
	}
	body[n++] = 1;
	body[n++] = 0;
	CHECK_EQ_U(tls_parse_client_hello(body, n, &ch), TLS_OK);
	CHECK_EQ_U(ch.n_ciphers, TLS_MAX_CIPHERS);
	CHECK_EQ_U(ch.anomalies, TLS_ANOM_CIPHERS_CAP);
	CHECK_EQ_U(ch.n_extensions, 0);
}

static void
test_server_hello_special(void)
{
	/* RFC 8446 4.1.3 HelloRetryRequest: special random, key_share with
	 * the selected group only, supported_versions 0x0304. */
	static uint8_t hrr[] = {
		0x03, 0x03,
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
		0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
		0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
		0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
		0x00, 0x13, 0x01, 0x00,
		0x00, 0x0c,
		0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
		0x00, 0x33, 0x00, 0x02, 0x00, 0x17,
	};
	struct tls_server_hello sh;

	CHECK_EQ_U(tls_parse_server_hello(hrr, sizeof(hrr), &sh), TLS_OK);
	CHECK(sh.is_hrr);
	CHECK_EQ_U(sh.anomalies, 0);
	CHECK_EQ_U(sh.selected_version, 0x0304);
	CHECK(sh.has_key_share);
	CHECK_EQ_U(sh.key_share_group, 0x0017);
	CHECK_EQ_U(sh.cipher, 0x1301);
	/* RFC 8446 downgrade sentinel in an ordinary random. */
	memcpy(hrr + 2 + 24, "DOWNGRD\001", 8);
	CHECK_EQ_U(tls_parse_server_hello(hrr, sizeof(hrr), &sh), TLS_OK);
	CHECK(!sh.is_hrr);
	CHECK(sh.anomalies & TLS_ANOM_DOWNGRADE);
	/* Every prefix of it. */
	for (size_t len = 0; len < sizeof(hrr); len++)
		CHECK_EQ_U(tls_parse_server_hello(hrr, len, &sh),
		    len == 38 ? TLS_OK : TLS_MALFORMED);
}

/* The TLS 1.2 Certificate message of openssl_tls12: tshark shows two
 * certificates of 726 and 414 bytes. */
static void
test_certificate(void)
{
	struct tls_hs_msg m;
	struct tls_certificate c;

	if (!CHECK(find_msg(openssl_tls12_server, sizeof(openssl_tls12_server),
	    TLS_HS_CERTIFICATE, &m)))
		return;
	CHECK_EQ_U(tls_parse_certificate(m.body, m.len, false, &c), TLS_OK);
	CHECK_EQ_U(c.n_certs, 2);
	CHECK_EQ_U(c.n_certs_wire, 2);
	CHECK_EQ_U(c.certs[0].len, 726);
	CHECK_EQ_U(c.certs[1].len, 414);
	CHECK_EQ_U(c.certs[0].off, 6);
	CHECK_EQ_U(c.certs[1].off, 6 + 726 + 3);
	CHECK_EQ_U(m.body[c.certs[0].off], 0x30);	/* DER SEQUENCE */
	CHECK_EQ_U(c.anomalies, 0);
	for (size_t len = 0; len < m.len; len++)
		CHECK_EQ_U(tls_parse_certificate(m.body, len, false, &c),
		    TLS_MALFORMED);
	/* The same list in the TLS 1.3 layout. */
	{
		static const uint8_t t13[] = {
			0x00,				/* context */
			0x00, 0x00, 0x0c,
			0x00, 0x00, 0x02, 0x30, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x01, 0x05, 0x00,	/* short ext len */
		};
		CHECK_EQ_U(tls_parse_certificate(t13, sizeof(t13), true, &c),
		    TLS_MALFORMED);
		CHECK_EQ_U(c.n_certs, 1);
	}
}

static size_t
put24(uint8_t *p, size_t n, size_t v)
{
	p[n++] = (uint8_t)(v >> 16);
	p[n++] = (uint8_t)(v >> 8);
	p[n++] = (uint8_t)v;
	return n;
}

/* DTLS 1.2 ClientHello: curl's ClientHello body rewritten with version
 * 0xfefd and a 4-byte cookie, in one handshake fragment and record. */
static void
test_dtls(void)
{
	static uint8_t dgram[4096], body[2048];
	struct tls_hs_msg m;
	struct tls_client_hello tls_ch, ch;
	struct dtls_record rec;
	struct dtls_hs hs;
	size_t n = 0, blen = 0, pos = 0, hpos = 0, sid;

	if (!CHECK(find_msg(curl_https_client, sizeof(curl_https_client),
	    TLS_HS_CLIENT_HELLO, &m)))
		return;
	CHECK_EQ_U(tls_parse_client_hello(m.body, m.len, &tls_ch), TLS_OK);
	sid = m.body[34];
	body[blen++] = 0xfe;
	body[blen++] = 0xfd;
	memcpy(body + blen, m.body + 2, 33 + sid);	/* random, session */
	blen += 33 + sid;
	body[blen++] = 4;
	memcpy(body + blen, "\xc0\x01\x1e\xff", 4);
	blen += 4;
	memcpy(body + blen, m.body + 35 + sid, m.len - 35 - sid);
	blen += m.len - 35 - sid;

	dgram[n++] = TLS_CT_HANDSHAKE;
	dgram[n++] = 0xfe;
	dgram[n++] = 0xff;				/* record: DTLS 1.0 */
	dgram[n++] = 0;					/* epoch 0 */
	dgram[n++] = 0;
	memset(dgram + n, 0, 5);			/* seq 1 */
	n += 5;
	dgram[n++] = 1;
	dgram[n++] = (uint8_t)((blen + 12) >> 8);
	dgram[n++] = (uint8_t)(blen + 12);
	dgram[n++] = TLS_HS_CLIENT_HELLO;
	n = put24(dgram, n, blen);			/* length */
	dgram[n++] = 0;					/* message_seq */
	dgram[n++] = 0;
	n = put24(dgram, n, 0);				/* fragment_offset */
	n = put24(dgram, n, blen);			/* fragment_length */
	memcpy(dgram + n, body, blen);
	n += blen;

	CHECK_EQ_U(dtls_record_next(dgram, n, &pos, &rec), TLS_OK);
	CHECK_EQ_U(rec.version, 0xfeff);
	CHECK_EQ_U(rec.seq, 1);
	CHECK_EQ_U(rec.len, blen + 12);
	CHECK_EQ_U(pos, n);
	CHECK_EQ_U(dtls_record_next(dgram, n, &pos, &rec), TLS_NEED_MORE);
	CHECK_EQ_U(dtls_hs_parse(rec.fragment, rec.len, &hpos, &hs), TLS_OK);
	CHECK(hs.is_complete);
	CHECK_EQ_U(hs.message_seq, 0);
	CHECK_EQ_U(hs.msg_len, blen);
	CHECK_EQ_U(dtls_parse_client_hello(hs.frag, hs.frag_len, &ch), TLS_OK);
	CHECK(ch.is_dtls);
	CHECK_EQ_U(ch.legacy_version, 0xfefd);
	CHECK_EQ_U(ch.cookie_len, 4);
	CHECK_EQ_U(ch.n_ciphers, tls_ch.n_ciphers);
	CHECK(memcmp(ch.ciphers, tls_ch.ciphers, 2 * ch.n_ciphers) == 0);
	CHECK_EQ_U(ch.n_extensions, tls_ch.n_extensions);
	CHECK_EQ_S(ch.sni, tls_ch.sni);
	CHECK_EQ_U(ch.anomalies, 0);
	/* As a TLS hello it is garbage, safely. */
	CHECK(tls_parse_client_hello(hs.frag, hs.frag_len, &ch) != TLS_OK ||
	    ch.anomalies != 0);
	/* Not DTLS: a TLS record header. */
	pos = 0;
	CHECK_EQ_U(dtls_record_next(curl_https_client,
	    sizeof(curl_https_client), &pos, &rec), TLS_NOT_TLS);
	/* Every prefix of the datagram and of the fragment. */
	for (size_t len = 0; len < n; len++) {
		pos = 0;
		CHECK(dtls_record_next(dgram, len, &pos, &rec) ==
		    (len == 0 ? TLS_NEED_MORE : TLS_MALFORMED));
	}
	for (size_t len = 1; len < blen + 12; len++) {
		hpos = 0;
		CHECK_EQ_U(dtls_hs_parse(dgram + 13, len, &hpos, &hs),
		    TLS_MALFORMED);
	}
	/* A fragment that lies beyond its message. */
	dgram[13 + 8] = 0x01;				/* fragment_offset */
	hpos = 0;
	CHECK_EQ_U(dtls_hs_parse(dgram + 13, blen + 12, &hpos, &hs),
	    TLS_MALFORMED);
}

int
main(void)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		test_client_hello_fields(&fixtures[i]);
		test_server_hello_fields(&fixtures[i]);
		test_walker_resumes(&fixtures[i]);
		test_abuse(&fixtures[i]);
	}
	test_probe();
	test_walker_framing();
	test_walker_faults();
	test_sslv2();
	test_client_hello_anomalies();
	test_caps();
	test_server_hello_special();
	test_certificate();
	test_dtls();
	return test_done("test_tls_hello");
}

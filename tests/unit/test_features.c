/* tests/unit/test_features.c: one feature vector from three sources.
 *
 * For each real ClientHello of pcaps/ (tests/fixtures/tls): the vector of
 * the parsed hello, of the ja4_r that fpsensor's record for that capture
 * carries (tests/golden/<pcap>.jsonl), and of a mercury str_repr built
 * here from the hello's raw bytes by mercury's rules (GREASE written as
 * 0a0a; data kept for the extensions mercury keeps) must be identical.
 * Then every prefix and single-byte flip of those strings through both
 * string parsers (ASan sees any read past the end). */
#include "models/features.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/tls_hello.h"
#include "tests/fixtures/tls/fixtures.h"
#include "tests/test.h"

/* Extensions whose data mercury's TLS str_repr keeps. */
static bool
keeps_data(uint16_t t)
{
	static const uint16_t keep[] = { 0x0001, 0x0005, 0x0007, 0x0008,
	    0x0009, 0x000a, 0x000b, 0x000d, 0x000f, 0x0010, 0x0011, 0x0018,
	    0x001b, 0x001c, 0x002b, 0x002d, 0x5500 };

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (keep[i] == t)
			return true;
	return tls_is_grease(t);
}

static size_t
put_hex(char *dst, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = hx[p[i] >> 4];
		dst[2 * i + 1] = hx[p[i] & 15];
	}
	return 2 * n;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Mercury-style str_repr of a ClientHello body b[0..n), walked here
 * directly (not through the project's parser).  0 when it does not fit. */
static size_t
build_str_repr(const uint8_t *b, size_t n, char *dst, size_t cap)
{
	size_t i = 0, o = 0, cl, el, end;
	static const uint8_t grease[2] = { 0x0a, 0x0a };

	if (n < 35 || cap < 4 * n + 16)
		return 0;
	dst[o++] = '(';
	o += put_hex(dst + o, b, 2);
	o += (size_t)sprintf(dst + o, ")(");
	i = 34;
	i += 1 + b[i];				/* session id */
	cl = be16(b + i);
	i += 2;
	for (size_t k = 0; k < cl; k += 2)
		o += put_hex(dst + o, tls_is_grease(be16(b + i + k)) ?
		    grease : b + i + k, 2);
	i += cl;
	i += 1 + b[i];				/* compression */
	o += (size_t)sprintf(dst + o, ")(");
	el = be16(b + i);
	i += 2;
	for (end = i + el; i + 4 <= end;) {
		uint16_t t = be16(b + i), len = be16(b + i + 2);

		dst[o++] = '(';
		o += put_hex(dst + o, tls_is_grease(t) ? grease : b + i, 2);
		if (keeps_data(t))
			o += put_hex(dst + o, b + i + 2, 2 + (size_t)len);
		dst[o++] = ')';
		i += 4 + len;
	}
	dst[o++] = ')';
	dst[o] = '\0';
	return o;
}

/* Does tests/golden/<name>.jsonl carry "ja4_r":"<ja4r>"? */
static bool
golden_has(const char *name, const char *ja4r)
{
	char path[1024], *line = NULL, needle[FEATURES_JA4R_MAX + 16];
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/golden/%s.jsonl",
	    test_srcdir(), name);
	snprintf(needle, sizeof(needle), "\"ja4_r\":\"%s\"", ja4r);
	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		return false;
	}
	while (!found && getline(&line, &cap, f) > 0)
		found = strstr(line, needle) != NULL;
	free(line);
	fclose(f);
	return found;
}

static bool
same(const float *a, const float *b)
{
	for (size_t i = 0; i < FEATURES_N; i++)
		if (a[i] != b[i] && !(isnan(a[i]) && isnan(b[i]))) {
			fprintf(stderr, "feature %zu (%s): %g != %g\n", i,
			    features_layout[i].name, a[i], b[i]);
			return false;
		}
	return true;
}

/* Every prefix and single-byte flip through the string parsers, from an
 * exactly-sized heap copy. */
static void
abuse(const char *s, bool is_ja4r)
{
	size_t n = strlen(s);
	float v[FEATURES_N];
	struct tls_client_hello ch;

	for (size_t len = 0; len <= n; len++) {
		char *p = malloc(len + 1);

		memcpy(p, s, len);
		for (size_t flip = 0; flip <= len; flip++) {
			enum features_status st;

			if (flip < len)
				p[flip] ^= (char)(flip % 7 == 0 ? 0x01 : 0x20);
			st = is_ja4r ? features_from_ja4r(p, len, v) :
			    features_parse_str_repr(p, len, &ch);
			CHECK(st == FEATURES_OK || st == FEATURES_MALFORMED);
			if (st == FEATURES_MALFORMED && is_ja4r)
				CHECK(isnan(v[0]) && isnan(v[FEATURES_N - 1]));
			if (flip < len)
				p[flip] = s[flip];
			if (len > 64 && flip + 1 < len)
				flip += len / 16;	/* sample long ones */
		}
		free(p);
	}
	CHECK((is_ja4r ? features_from_ja4r(s, n, v) :
	    features_parse_str_repr(s, n, &ch)) == FEATURES_OK);
}

static void
test_fixture(const struct fixture *fx, float out[FEATURES_N])
{
	struct tls_hs_msg m;
	struct tls_client_hello ch;
	float v_hello[FEATURES_N], v_ja4r[FEATURES_N], v_sr[FEATURES_N];
	char ja4r[FEATURES_JA4R_MAX + 1], ja4r_sr[FEATURES_JA4R_MAX + 1];
	static char sr[1 << 16];

	if (!CHECK(find_msg(fx->client, fx->client_len, 1, &m)))
		return;
	CHECK(tls_parse_client_hello(m.body, m.len, &ch) == TLS_OK);
	CHECK(features_from_hello(&ch, 't', v_hello, ja4r, sizeof(ja4r)) ==
	    FEATURES_OK);
	/* the record's ja4_r */
	if (!CHECK(golden_has(fx->name, ja4r)))
		fprintf(stderr, "%s: %s not in its golden records\n", fx->name,
		    ja4r);
	CHECK(features_from_ja4r(ja4r, strlen(ja4r), v_ja4r) == FEATURES_OK);
	CHECK(same(v_hello, v_ja4r));
	/* mercury str_repr built from the raw bytes */
	if (!CHECK(build_str_repr(m.body, m.len, sr, sizeof(sr)) > 0))
		return;
	CHECK(features_from_str_repr(sr, strlen(sr), v_sr, ja4r_sr,
	    sizeof(ja4r_sr)) == FEATURES_OK);
	CHECK_EQ_S(ja4r_sr, ja4r);
	if (!CHECK(same(v_hello, v_sr)))
		fprintf(stderr, "%s: str_repr %s\n", fx->name, sr);
	/* facts of the vector itself */
	CHECK_EQ_U(v_hello[features_index("tls_version")],
	    ch.n_versions ? 0x0304 : ch.legacy_version);
	CHECK_EQ_U(v_hello[features_index("sni")], ch.has_sni);
	abuse(ja4r, true);
	abuse(sr, false);
	memcpy(out, v_hello, sizeof(v_hello));
}

static void
test_layout(void)
{
	for (size_t i = 0; i < FEATURES_N; i++) {
		CHECK(features_layout[i].name != NULL &&
		    features_layout[i].meaning != NULL);
		CHECK_EQ_U(features_index(features_layout[i].name), i);
	}
	CHECK(features_index("no_such_feature") == -1);
}

static void
test_bad_strings(void)
{
	static const char *const bad[] = {
		"", "t13d", "x13d1516h2_002f_0005", "t13d1516h2_02f_0005",
		"t13d1516h2_002f,_0005", "t13d1516h2_002f_0005_0403_0401",
		"t13d1516h2_002f_0005_", "t13q1516h2_002f_0005",
		"t99d1516h2_002f_0005", "t13d15x6h2_002f_0005",
	};
	struct tls_client_hello ch;
	float v[FEATURES_N];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(features_from_ja4r(bad[i], strlen(bad[i]), v) ==
		    FEATURES_MALFORMED);
	CHECK(features_from_ja4r("t13d0000h2__", 12, v) == FEATURES_OK);
	CHECK(features_parse_str_repr("(0303)(002f)()", 14, &ch) ==
	    FEATURES_OK);
	CHECK(features_parse_str_repr("(0300)(0005000a)", 16, &ch) ==
	    FEATURES_OK && ch.n_ciphers == 2 && ch.n_extensions == 0);
	CHECK(features_parse_str_repr("(0300)(0005000a)(", 17, &ch) ==
	    FEATURES_MALFORMED);
	CHECK(features_parse_str_repr("(0303)(002f)((000d0003))", 24, &ch) ==
	    FEATURES_MALFORMED);	/* length lies */
	CHECK(features_parse_str_repr("(0303)(02f)()", 13, &ch) ==
	    FEATURES_MALFORMED);
}

int
main(void)
{
	float v[N_FIXTURES][FEATURES_N];

	test_layout();
	test_bad_strings();
	for (size_t i = 0; i < N_FIXTURES; i++)
		test_fixture(&fixtures[i], v[i]);
	/* different clients, different vectors */
	CHECK(!same(v[0], v[N_FIXTURES - 1]) || N_FIXTURES < 2);
	return test_done("test_features");
}

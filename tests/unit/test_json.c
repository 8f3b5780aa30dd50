/* tests/unit/test_json.c */
#include "json.h"

#include <time.h>

#include "tests/test.h"

static void
test_shape(void)
{
	char buf[256];
	struct json j;
	size_t n;

	json_init(&j, buf, sizeof(buf));
	json_obj_open(&j, NULL);
	json_u64(&j, "a", 18446744073709551615ull);
	json_i64(&j, "b", -9223372036854775807ll - 1);
	json_arr_open(&j, "c");
	json_bool(&j, NULL, true);
	json_null(&j, NULL);
	json_arr_close(&j);
	json_fixed(&j, "d", 1234, 3);
	json_fixed(&j, "e", -5, 2);
	json_obj_open(&j, "f");
	json_obj_close(&j);
	json_obj_close(&j);
	n = json_finish(&j);
	CHECK(n > 0);
	buf[n] = '\0';
	CHECK_EQ_S(buf, "{\"a\":18446744073709551615,\"b\":-9223372036854775808,"
	    "\"c\":[true,null],\"d\":1.234,\"e\":-0.05,\"f\":{}}\n");
}

static void
test_escaping(void)
{
	char buf[256];
	struct json j;
	size_t n;
	/* quote, backslash, control, valid 2-byte UTF-8, a lone
	 * continuation byte, an overlong encoding, a surrogate. */
	const char in[] = "q\"b\\\x01\xc3\xa9\x80\xc0\xaf\xed\xa0\x80";

	json_init(&j, buf, sizeof(buf));
	json_strn(&j, NULL, in, sizeof(in) - 1);
	n = json_finish(&j);
	buf[n] = '\0';
	CHECK_EQ_S(buf, "\"q\\\"b\\\\\\u0001\xc3\xa9\\u0080\\u00c0\\u00af"
	    "\\u00ed\\u00a0\\u0080\"\n");
}

/* The word-at-a-time path: one special byte at every position of a long
 * plain string, compared with a byte-by-byte reference. */
static void
test_escaping_positions(void)
{
	static const unsigned char specials[] = { '"', '\\', 0x00, 0x1f, 0x7f,
	    0x80, 0xff, 0x20, 0x7e };
	char in[48], buf[512], want[512];

	for (size_t sp = 0; sp < sizeof(specials); sp++) {
		for (size_t pos = 0; pos < sizeof(in); pos++) {
			struct json j;
			size_t n, w = 0;

			memset(in, 'a', sizeof(in));
			in[pos] = (char)specials[sp];
			want[w++] = '"';
			for (size_t i = 0; i < sizeof(in); i++) {
				unsigned c = (unsigned char)in[i];

				if (c == '"' || c == '\\') {
					want[w++] = '\\';
					want[w++] = (char)c;
				} else if (c < 0x20 || c >= 0x7f) {
					w += (size_t)snprintf(want + w, 7, "\\u%04x",
					    c);
				} else {
					want[w++] = (char)c;
				}
			}
			want[w++] = '"';
			want[w++] = '\n';
			want[w] = '\0';
			json_init(&j, buf, sizeof(buf));
			json_strn(&j, NULL, in, sizeof(in));
			n = json_finish(&j);
			buf[n] = '\0';
			if (!CHECK_EQ_S(buf, want))
				return;
		}
	}
}

/* Members rendered into a fragment, then spliced into a record. */
static void
test_members(void)
{
	char frag[64], buf[256];
	struct json f, j;
	size_t n;

	json_init_members(&f, frag, sizeof(frag));
	json_str(&f, "sni", "example.org");
	json_u64(&f, "n", 2);
	json_init(&j, buf, sizeof(buf));
	json_obj_open(&j, NULL);
	json_u64(&j, "a", 1);
	json_obj_open(&j, "tls");
	json_members(&j, frag, f.len);
	json_members(&j, frag, 0);		/* empty: nothing */
	json_obj_close(&j);
	json_obj_open(&j, "b");
	json_members(&j, frag, f.len);
	json_bool(&j, "x", true);
	json_obj_close(&j);
	json_obj_close(&j);
	n = json_finish(&j);
	buf[n] = '\0';
	CHECK_EQ_S(buf, "{\"a\":1,\"tls\":{\"sni\":\"example.org\",\"n\":2},"
	    "\"b\":{\"sni\":\"example.org\",\"n\":2,\"x\":true}}\n");
}

static void
test_overflow(void)
{
	char buf[8];
	struct json j;

	json_init(&j, buf, sizeof(buf));
	json_obj_open(&j, NULL);
	json_str(&j, "key", "a long value");
	json_obj_close(&j);
	CHECK(j.overflow);
	CHECK_EQ_U(json_finish(&j), 0);
	CHECK(j.len <= sizeof(buf));

	/* Unbalanced nesting is refused too. */
	char b2[64];
	json_init(&j, b2, sizeof(b2));
	json_obj_open(&j, NULL);
	CHECK_EQ_U(json_finish(&j), 0);
}

/* json_time_us against gmtime_r + strftime over many instants: first in
 * steps of days, then (the writer reuses the last second's text) several
 * in one second, across day and year ends, and back in time. */
static void
test_time(void)
{
	uint64_t us = 0;
	int bad = 0;

	for (int i = 0; i < 260000 && bad < 3; i++) {
		char buf[64], want[64];
		struct json j;
		struct tm tm;
		time_t t;
		size_t n;

		if (i < 200000) {
			/* Steps of ~1.3 days plus odd microseconds, to
			 * year ~2700. */
			us += 112233445566ull + (uint64_t)i * 7;
		} else {
			/* Around 2023-12-31T23:59:59Z: seconds that repeat,
			 * advance and go back. */
			uint64_t base = 1704067199ull * 1000000;
			unsigned k = (unsigned)i * 2654435761u >> 7;

			us = base + (uint64_t)(k % 5) * 1000000 -
			    2000000 + (k % 999983);
		}
		t = (time_t)(us / 1000000);
		gmtime_r(&t, &tm);
		n = strftime(want, sizeof(want), "\"%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + n, sizeof(want) - n, ".%06uZ\"\n",
		    (unsigned)(us % 1000000));
		json_init(&j, buf, sizeof(buf));
		json_time_us(&j, NULL, us);
		n = json_finish(&j);
		buf[n] = '\0';
		if (strcmp(buf, want) != 0) {
			bad++;
			CHECK_EQ_S(buf, want);
		}
	}
	CHECK_EQ_U(bad, 0);
}

/* Keys of every length from 0 to 40 (fmt_copy's byte, half-word and
 * word paths) and json_anomalies(): the names written, counted. */
static void
test_keys_and_anomalies(void)
{
	static const char *const names[] = { "a", NULL, "c", "d" };
	const char *alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN";
	char buf[128], key[48], want[128];
	struct json j;
	size_t n;

	for (size_t len = 0; len <= 40; len++) {
		memcpy(key, alpha, len);
		key[len] = '\0';
		json_init(&j, buf, sizeof(buf));
		json_obj_open(&j, NULL);
		json_u64(&j, key, len);
		json_obj_close(&j);
		n = json_finish(&j);
		buf[n] = '\0';
		snprintf(want, sizeof(want), "{\"%s\":%zu}\n", key, len);
		CHECK_EQ_S(buf, want);
	}
	json_init(&j, buf, sizeof(buf));
	json_obj_open(&j, NULL);
	json_anomalies(&j, "anomalies", 0, names, 4);
	CHECK_EQ_U(j.n_anomalies, 0);
	/* Bit 1 has no name and bit 5 is past the names: neither counts. */
	json_anomalies(&j, "anomalies", 0x2f, names, 4);
	CHECK_EQ_U(j.n_anomalies, 3);
	json_obj_close(&j);
	n = json_finish(&j);
	buf[n] = '\0';
	CHECK_EQ_S(buf, "{\"anomalies\":[\"a\",\"c\",\"d\"]}\n");
}

int
main(void)
{
	test_time();
	test_shape();
	test_escaping();
	test_escaping_positions();
	test_members();
	test_overflow();
	test_keys_and_anomalies();
	return test_done("test_json");
}

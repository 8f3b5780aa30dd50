/* tests/unit/test_json.c */
#include "json.h"

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

int
main(void)
{
	test_shape();
	test_escaping();
	test_overflow();
	return test_done("test_json");
}

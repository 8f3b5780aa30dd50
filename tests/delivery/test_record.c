/* tests/delivery/test_record.c: fpsink's record check (sink/record.c). */
#include "sink/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test.h"

/* A record as fpsensor writes it (demo.pcap, flow 2, shortened). */
static const char good[] =
    "{\"schema_version\":1,\"event_id\":\"9ec25679bc1fdbbc0000000000000002\","
    "\"flow_id\":2,\"ts_start\":\"2026-11-23T01:35:55.718440Z\","
    "\"ts_end\":\"2026-11-23T01:35:55.719388Z\",\"duration_ms\":0.948,"
    "\"end_reason\":\"fin\",\"proto\":\"tcp\",\"ip_version\":4,"
    "\"client\":{\"ip\":\"192.0.2.10\",\"port\":40431},"
    "\"server\":{\"ip\":\"192.0.2.20\",\"port\":53},"
    "\"packets\":{\"client\":6,\"server\":4},"
    "\"tcp\":{\"syn\":{\"raw_sig\":\"4:64+0:0:1220:mss*53,10:mss,sok,ts,nop,"
    "ws:df,id+:0\",\"os\":\"Linux 2.2.x-3.x\",\"match\":\"generic\","
    "\"ja4t\":\"64660_2-4-8-1-3_1220_10\"},\"synack\":{\"raw_sig\":\"x\","
    "\"ja4t\":\"not-this-one\"}},\"sensor\":{\"version\":\"0.1.0\"}}\n";

static enum rec_status
parse(const char *s, struct rec_fields *f)
{
	return rec_parse((const uint8_t *)s, strlen(s), f);
}

/* good with the first occurrence of from replaced by to. */
static enum rec_status
parse_edit(const char *from, const char *to, struct rec_fields *f)
{
	static char buf[4096];
	const char *at = strstr(good, from);

	if (at == NULL) {
		fprintf(stderr, "edit: '%s' not in the record\n", from);
		abort();
	}
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good), good, to,
	    at + strlen(from));
	return parse(buf, f);
}

static void
test_good(void)
{
	struct rec_fields f;

	CHECK_EQ_U(parse(good, &f), REC_OK);
	CHECK_EQ_U(f.schema_version, 1);
	CHECK_EQ_S(f.event_id, "9ec25679bc1fdbbc0000000000000002");
	CHECK_EQ_S(f.ts_start, "2026-11-23T01:35:55.718440Z");
	CHECK_EQ_S(f.ts_end, "2026-11-23T01:35:55.719388Z");
	CHECK_EQ_S(f.client_ip, "192.0.2.10");
	CHECK_EQ_U(f.client_port, 40431);
	CHECK_EQ_S(f.server_ip, "192.0.2.20");
	CHECK_EQ_U(f.server_port, 53);
	CHECK_EQ_S(f.proto, "tcp");
	CHECK_EQ_S(f.ja4t, "64660_2-4-8-1-3_1220_10");	/* syn, not synack */
	CHECK_EQ_S(f.raw_sig, "4:64+0:0:1220:mss*53,10:mss,sok,ts,nop,ws:df,"
	    "id+:0");
	CHECK_EQ_S(f.os, "Linux 2.2.x-3.x");
	CHECK_EQ_S(f.model_version, "");
	CHECK_EQ_S(f.why, "ok");

	/* As Postgres prints jsonb: spaces, other member order. */
	CHECK_EQ_U(parse("{\"proto\": \"udp\", \"client\": {\"ip\": "
	    "\"2001:db8::1\", \"port\": 1}, \"server\": {\"ip\": \"::1\", "
	    "\"port\": 0}, \"ts_end\": \"2024-02-29T23:59:59.999999Z\", "
	    "\"event_id\": \"00000000000000000000000000000000\", "
	    "\"ts_start\": \"1970-01-01T00:00:00.000000Z\", "
	    "\"schema_version\": 1, \"model\": {\"version\": \"xgb-7\"}}", &f),
	    REC_OK);
	CHECK_EQ_S(f.client_ip, "2001:db8::1");
	CHECK_EQ_S(f.model_version, "xgb-7");

	/* Escapes are undone in extracted fields. */
	CHECK_EQ_U(parse_edit("Linux 2.2.x-3.x", "Caf\\u00e9 \\ud83d\\ude00 "
	    "\\\"q\\\"", &f), REC_OK);
	CHECK_EQ_S(f.os, "Caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"");
	/* An optional member of the wrong type is left out, not fatal. */
	CHECK_EQ_U(parse_edit("\"64660_2-4-8-1-3_1220_10\"", "[1]", &f),
	    REC_OK);
	CHECK_EQ_S(f.ja4t, "");
}

static void
test_not_json(void)
{
	static const char *const bad[] = {
		"", "   ", "garbage", "{", "{\"a\":}", "{\"a\" 1}", "{}x",
		"{\"a\":1,}", "{\"a\":[1,]}", "{'a':1}", "{\"a\":tru}",
		"{\"a\":\"x\ty\"}",			/* raw control char */
		"{\"a\":\"\xff\"}",			/* invalid UTF-8 */
		"{\"a\":\"\xc0\x80\"}",			/* overlong */
		"{\"a\":\"\xed\xa0\x80\"}",		/* UTF-8 surrogate */
		"{\"a\":\"\xf4\x90\x80\x80\"}",		/* past U+10FFFF */
		"{\"a\":\"\\u0000\"}",			/* jsonb refuses */
		"{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
		"{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\\x\"}",
		"{\"a\":\"\\u12\"}", "{\"a\":01}", "{\"a\":-}", "{\"a\":1.}",
		"{\"a\":1e}", "{\"a\":.5}", "{\"a\":1e901}",
		"{\"a\":12345678901234567890123456789012345678901234567890"
		"123456789012345}",
	};
	struct rec_fields f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK_EQ_U(parse(bad[i], &f), REC_NOT_JSON))
			fprintf(stderr, "  input %zu: %s\n", i, bad[i]);
	CHECK(f.why != NULL && strcmp(f.why, "ok") != 0);
	CHECK_EQ_U(parse("[1,2]", &f), REC_NOT_OBJECT);
	CHECK_EQ_U(parse("\"s\"", &f), REC_NOT_OBJECT);
	CHECK_EQ_U(parse("42", &f), REC_NOT_OBJECT);
	CHECK_EQ_U(parse("null", &f), REC_NOT_OBJECT);
	/* Valid JSON that is not a record. */
	CHECK_EQ_U(parse("{}", &f), REC_BAD_SCHEMA);
	CHECK_EQ_U(parse("{\"a\":[1,2.5e-3,-0,true,false,null,{}]}", &f),
	    REC_BAD_SCHEMA);
}

static void
test_depth(void)
{
	char buf[256];
	struct rec_fields f;
	size_t n = 0;

	for (int i = 0; i < 40; i++)
		buf[n++] = '[';
	for (int i = 0; i < 40; i++)
		buf[n++] = ']';
	buf[n] = '\0';
	CHECK_EQ_U(parse(buf, &f), REC_TOO_DEEP);
	snprintf(buf, sizeof(buf), "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}");
	CHECK_EQ_U(parse(buf, &f), REC_TOO_DEEP);
}

static void
test_schema(void)
{
	struct rec_fields f;

	CHECK_EQ_U(parse_edit("\"schema_version\":1", "\"schema_version\":2",
	    &f), REC_BAD_VERSION);
	CHECK_EQ_U(parse_edit("\"schema_version\":1", "\"schema_version\":"
	    "\"1\"", &f), REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("\"schema_version\":1", "\"schema_version\":1.0",
	    &f), REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("\"schema_version\":1,", "", &f),
	    REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("\"event_id\":\"9ec25679bc1fdbbc0000000000000002"
	    "\",", "", &f), REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("9ec25679bc1fdbbc", "9EC25679BC1FDBBC", &f),
	    REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("9ec25679bc1fdbbc", "9ec25679bc1fdbb", &f),
	    REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("\"flow_id\"", "\"event_id\":\"00000000000000000"
	    "000000000000000\",\"flow_id\"", &f), REC_BAD_SCHEMA);
	CHECK_EQ_S(f.why, "a member given twice");
	CHECK_EQ_U(parse_edit("2026-11-23T01:35:55.718440Z",
	    "2026-02-29T01:35:55.718440Z", &f), REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("2026-11-23T01:35:55.718440Z",
	    "2024-02-29T01:35:55.718440Z", &f), REC_OK);
	CHECK_EQ_U(parse_edit("2026-11-23T01:35:55.718440Z",
	    "2026-11-23T24:35:55.718440Z", &f), REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("2026-11-23T01:35:55.718440Z",
	    "2026-11-23 01:35:55", &f), REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("2026-11-23T01:35:55.718440Z",
	    "1969-12-31T23:59:59.000000Z", &f), REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("192.0.2.10", "192.0.2.300", &f),
	    REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("192.0.2.10", "fe80::1%eth0", &f),
	    REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("40431", "70000", &f), REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("40431", "-1", &f), REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("\"proto\":\"tcp\"", "\"proto\":\"icmp\"", &f),
	    REC_BAD_SCHEMA);
	CHECK_EQ_U(parse_edit("\"client\":{", "\"client\":{\"x\":{\"ip\":1},",
	    &f), REC_OK);		/* client.x.ip is not client.ip */
	CHECK_EQ_U(parse_edit("{\"ip\":\"192.0.2.10\"", "{\"ip\":\"192.0.2.10\""
	    ",\"ip\":\"bad\"", &f), REC_BAD_SCHEMA);
}

static void
test_day(void)
{
	CHECK_EQ_U(rec_day("1970-01-01T00:00:00.000000Z"), 0);
	CHECK_EQ_U(rec_day("2000-03-01T00:00:00.000000Z"), 11017);
	CHECK_EQ_U(rec_day("2024-02-29T12:00:00.000000Z"), 19782);
	CHECK_EQ_U(rec_day("2026-11-23T01:35:55.718440Z"), 20780);
	CHECK_EQ_U(rec_day("9999-12-31T23:59:59.999999Z"), 2932896);
}

/* Every prefix and every single-byte change: no crash, a known status. */
static void
test_abuse(void)
{
	size_t len = strlen(good);
	char buf[sizeof(good)];
	struct rec_fields f;
	int bad_status = 0, ok_prefix = 0;

	for (size_t n = 0; n < len; n++) {
		enum rec_status st = rec_parse((const uint8_t *)good, n, &f);

		if (st >= REC_N_STATUS)
			bad_status++;
		if (st == REC_OK && n < len - 1)
			ok_prefix++;
	}
	CHECK_EQ_U(bad_status, 0);
	CHECK_EQ_U(ok_prefix, 0);
	for (size_t i = 0; i < len; i++) {
		static const uint8_t flips[] = { 0x00, 0x01, 0x22, 0x5c, 0x7b,
		    0x7d, 0x80, 0xff };

		for (size_t k = 0; k < sizeof(flips); k++) {
			memcpy(buf, good, len);
			buf[i] = (char)flips[k];
			if (rec_parse((const uint8_t *)buf, len, &f) >=
			    REC_N_STATUS)
				bad_status++;
		}
	}
	CHECK_EQ_U(bad_status, 0);
}

int
main(void)
{
	test_good();
	test_not_json();
	test_depth();
	test_schema();
	test_day();
	test_abuse();
	return test_done("test_record");
}

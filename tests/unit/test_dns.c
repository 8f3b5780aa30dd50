/* tests/unit/test_dns.c: DNS message parser.  Fixtures are dig 9.18
 * queries and dnsmasq answers (tests/fixtures/dns/, from pcaps/dig.pcap);
 * their expected values are tshark's dns.* fields.  Hand-made messages
 * cover compression abuse, caps and EDNS oddities. */
#include "analyzers/dns.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test.h"

#include "tests/fixtures/dns/dig_a_query.h"
#include "tests/fixtures/dns/dig_a_resp.h"
#include "tests/fixtures/dns/dig_aaaa_query.h"
#include "tests/fixtures/dns/dig_aaaa_resp.h"
#include "tests/fixtures/dns/dig_ecs_query.h"
#include "tests/fixtures/dns/dig_nx_query.h"
#include "tests/fixtures/dns/dig_nx_resp.h"
#include "tests/fixtures/dns/dig_tcp_mx_query.h"
#include "tests/fixtures/dns/dig_tcp_mx_resp.h"
#include "tests/fixtures/dns/dig_v6_query.h"
#include "tests/fixtures/dns/dig_v6_resp.h"

typedef const char *const expect_t[2];

struct fixture {
	const char	*name;
	const uint8_t	*b;
	size_t		 n;
	expect_t	*e;
	bool		 is_tcp;
};

#define FIX(n, tcp)	{ #n, n, sizeof(n), n##_expect, tcp }

static const struct fixture fixtures[] = {
	FIX(dig_a_query, false), FIX(dig_a_resp, false),
	FIX(dig_aaaa_query, false), FIX(dig_aaaa_resp, false),
	FIX(dig_ecs_query, false), FIX(dig_nx_query, false),
	FIX(dig_nx_resp, false), FIX(dig_v6_query, false),
	FIX(dig_v6_resp, false), FIX(dig_tcp_mx_query, true),
	FIX(dig_tcp_mx_resp, true),
};
#define N_FIXTURES	(sizeof(fixtures) / sizeof(fixtures[0]))

static struct dns_message m;
static uint8_t work[1 << 16];

static const char *
ex(expect_t *e, const char *key)
{
	for (; e[0][0] != NULL; e++)
		if (strcmp(e[0][0], key) == 0)
			return e[0][1];
	return NULL;
}

/* Compare a number with an optional tshark field ("0x.." or decimal). */
static void
check_num(expect_t *e, const char *key, unsigned long got)
{
	const char *v = ex(e, key);

	if (v != NULL && !CHECK_EQ_U(got, strtoul(v, NULL, 0)))
		fprintf(stderr, "  field %s\n", key);
}

static void
check_str(expect_t *e, const char *key, const char *got)
{
	const char *v = ex(e, key);

	if (v != NULL && !CHECK_EQ_S(got, v))
		fprintf(stderr, "  field %s\n", key);
}

/* Answers of one type as tshark lists them. */
static const char *
answers(uint16_t type)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m.n_answers; i++) {
		const struct dns_rr *rr = &m.answers[i];
		char a[INET6_ADDRSTRLEN];

		if (rr->type != type)
			continue;
		if (type == 1 || type == 28)
			inet_ntop(type == 1 ? AF_INET : AF_INET6, rr->addr, a,
			    sizeof(a));
		else
			snprintf(a, sizeof(a), "%s", rr->target);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    n ? "," : "", a);
	}
	return buf;
}

static void
check_fixture(const struct fixture *f)
{
	expect_t *e = f->e;
	size_t used = 0;
	char s[64];

	if (f->is_tcp) {
		CHECK_EQ_U(dns_parse_tcp(f->b, f->n, &m, &used), DNS_OK);
		CHECK_EQ_U(used, f->n);
	} else
		CHECK_EQ_U(dns_parse(f->b, f->n, &m), DNS_OK);
	check_num(e, "dns.id", m.id);
	check_num(e, "dns.flags.response", m.is_response);
	check_num(e, "dns.flags.opcode", m.opcode);
	check_num(e, "dns.flags.rcode", m.rcode);
	check_num(e, "dns.flags.recdesired", m.is_rd);
	check_num(e, "dns.flags.recavail", m.is_ra);
	check_num(e, "dns.flags.authoritative", m.is_aa);
	check_num(e, "dns.count.queries", m.qdcount);
	check_num(e, "dns.count.answers", m.ancount);
	check_num(e, "dns.count.auth_rr", m.nscount);
	check_num(e, "dns.count.add_rr", m.arcount);
	CHECK_EQ_U(m.n_questions, m.qdcount);
	CHECK_EQ_U(m.n_answers, m.ancount);
	check_str(e, "dns.qry.name", m.questions[0].name);
	check_num(e, "dns.qry.type", m.questions[0].type);
	check_num(e, "dns.qry.class", m.questions[0].class);
	check_str(e, "dns.a", answers(1));
	check_str(e, "dns.aaaa", answers(28));
	check_str(e, "dns.mx.mail_exchange", answers(15));
	if (ex(e, "dns.mx.preference") != NULL)
		check_num(e, "dns.mx.preference", m.answers[0].pref);
	if (ex(e, "dns.resp.ttl") != NULL && m.n_answers == 1)
		check_num(e, "dns.resp.ttl", m.answers[0].ttl);
	CHECK_EQ_U(m.has_edns, ex(e, "dns.rr.udp_payload_size") != NULL);
	check_num(e, "dns.rr.udp_payload_size", m.edns.udp_size);
	check_num(e, "dns.resp.ext_rcode", m.edns.ext_rcode);
	check_num(e, "dns.resp.edns0_version", m.edns.version);
	check_num(e, "dns.resp.z.do", m.edns.is_do);
	s[0] = '\0';
	for (size_t i = 0, n = 0; i < m.edns.n_options; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%u", i ? "," : "",
		    m.edns.options[i].code);
	check_str(e, "dns.opt.code", s);
	CHECK_EQ_U(m.edns.has_ecs, ex(e, "dns.opt.client.family") != NULL);
	check_num(e, "dns.opt.client.family", m.edns.ecs.family);
	check_num(e, "dns.opt.client.netmask", m.edns.ecs.source_prefix);
	check_num(e, "dns.opt.client.scope", m.edns.ecs.scope_prefix);
	if (m.edns.has_ecs && m.edns.ecs.family == 1) {
		inet_ntop(AF_INET, m.edns.ecs.addr, s, sizeof(s));
		check_str(e, "dns.opt.client.addr4", s);
	}
	CHECK_EQ_U(m.anomalies, 0);
	CHECK_EQ_U(m.len, f->is_tcp ? f->n - 2 : f->n);
}

/* Strict prefixes never parse as a whole message; flips stay sane. */
static void
abuse(const struct fixture *f)
{
	size_t used;
	int bad = 0;

	for (size_t n = 0; n < f->n; n++) {
		enum dns_status st = f->is_tcp ? dns_parse_tcp(f->b, n, &m,
		    &used) : dns_parse(f->b, n, &m);

		if (f->is_tcp ? st != DNS_NEED_MORE : st == DNS_OK ||
		    st == DNS_NEED_MORE)
			bad++;
	}
	for (size_t i = 0; i < f->n; i++)
		for (int b = 0; b < 8; b++) {
			memcpy(work, f->b, f->n);
			work[i] ^= (uint8_t)(1u << b);
			enum dns_status st = f->is_tcp ? dns_parse_tcp(work,
			    f->n, &m, &used) : dns_parse(work, f->n, &m);
			if (st > DNS_MALFORMED ||
			    m.n_questions > DNS_MAX_QUESTIONS ||
			    m.n_answers > DNS_MAX_ANSWERS ||
			    m.edns.n_options > DNS_MAX_OPTIONS ||
			    strlen(m.questions[0].name) >= DNS_NAME_TEXT)
				bad++;
		}
	CHECK_EQ_U(bad, 0);
}

/* ---- hand-made messages --------------------------------------------- */

static size_t wn;

static void
put(const void *p, size_t n)
{
	if (n > 0)
		memcpy(work + wn, p, n);
	wn += n;
}

static void
put16(unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(b, 2);
}

static void
put32(unsigned long v)
{
	put16((unsigned)(v >> 16));
	put16((unsigned)(v & 0xffff));
}

static void
header(unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	wn = 0;
	put16(0x1234);
	put16(flags);
	put16(qd);
	put16(an);
	put16(ns);
	put16(ar);
}

/* Name as length-prefixed labels from "a.b.c" (no escapes). */
static void
put_name(const char *s)
{
	while (*s != '\0') {
		size_t l = strcspn(s, ".");
		uint8_t len = (uint8_t)l;

		put(&len, 1);
		put(s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	put("", 1);
}

static enum dns_status
parse_work(void)
{
	return dns_parse(work, wn, &m);
}

static void
test_compression(void)
{
	/* Pointer to itself: forward and a loop. */
	header(0x0100, 1, 0, 0, 0);
	put("\xc0\x0c", 2);
	put16(1);
	put16(1);
	CHECK_EQ_U(parse_work(), DNS_MALFORMED);
	CHECK(m.anomalies & DNS_ANOM_PTR_LOOP);
	CHECK(m.anomalies & DNS_ANOM_PTR_FORWARD);
	/* Backward loop: label "a" at 12, pointer back to 12 at 14. */
	header(0x0100, 1, 0, 0, 0);
	put("\x01" "a" "\xc0\x0c", 4);
	put16(1);
	put16(1);
	CHECK_EQ_U(parse_work(), DNS_MALFORMED);
	CHECK(m.anomalies & DNS_ANOM_PTR_LOOP);
	CHECK(!(m.anomalies & DNS_ANOM_PTR_FORWARD));
	/* Out of range. */
	header(0x0100, 1, 0, 0, 0);
	put("\xc3\xff", 2);
	put16(1);
	put16(1);
	CHECK_EQ_U(parse_work(), DNS_MALFORMED);
	CHECK(m.anomalies & DNS_ANOM_PTR_OUT_OF_RANGE);
	/* Extended label type 0x40. */
	header(0x0100, 1, 0, 0, 0);
	put("\x41" "a", 2);
	CHECK_EQ_U(parse_work(), DNS_MALFORMED);
	CHECK(m.anomalies & DNS_ANOM_BAD_LABEL_TYPE);
	/* Over 255 octets: 4 labels of 63 plus one of 2. */
	header(0x0100, 1, 0, 0, 0);
	for (int i = 0; i < 4; i++) {
		put("\x3f", 1);
		memset(work + wn, 'x', 63);
		wn += 63;
	}
	put("\x02" "ab", 3);
	put("", 1);
	put16(1);
	put16(1);
	CHECK_EQ_U(parse_work(), DNS_MALFORMED);
	CHECK(m.anomalies & DNS_ANOM_NAME_TOO_LONG);
	/* A valid answer pointing at the question, a CNAME to another. */
	header(0x8180, 1, 2, 0, 0);
	put_name("www.example.test");
	put16(1);
	put16(1);
	put("\xc0\x0c", 2);
	put16(5);
	put16(1);
	put32(300);
	put16(6);
	put("\x03" "cdn" "\xc0\x10", 6);	/* cdn.example.test */
	put("\xc0\x2e", 2);			/* the CNAME target */
	put16(1);
	put16(1);
	put32(60);
	put16(4);
	put("\xc0\x00\x02\x05", 4);
	CHECK_EQ_U(parse_work(), DNS_OK);
	CHECK_EQ_U(m.n_answers, 2);
	CHECK_EQ_S(m.answers[0].name, "www.example.test");
	CHECK_EQ_S(m.answers[0].target, "cdn.example.test");
	CHECK_EQ_U(m.answers[0].ttl, 300);
	CHECK_EQ_S(m.answers[1].name, "cdn.example.test");
	CHECK_EQ_S(answers(1), "192.0.2.5");
	CHECK_EQ_U(m.anomalies, 0);
}

static void
test_names(void)
{
	char text[DNS_NAME_TEXT];
	uint32_t an = 0;

	/* dig's escapes: \. \\ \" \; and \DDD for space and bytes >= 0x7f. */
	static const uint8_t odd[] = { 9, 'a', '.', 'b', '\\', ' ', 0xff, '"',
	    ';', '$', 0 };
	CHECK_EQ_U(dns_read_name(odd, sizeof(odd), 0, text, &an), sizeof(odd));
	CHECK_EQ_S(text, "a\\.b\\\\\\032\\255\\\"\\;\\$");
	CHECK_EQ_U(dns_read_name((const uint8_t *)"", 1, 0, text, &an), 1);
	CHECK_EQ_S(text, ".");
	CHECK_EQ_U(an, 0);
	/* 4 labels of 50 control bytes: 200 wire bytes, 800 text. */
	wn = 0;
	for (int i = 0; i < 4; i++) {
		put("\x32", 1);
		memset(work + wn, 1, 50);
		wn += 50;
	}
	put("", 1);
	CHECK_EQ_U(dns_read_name(work, wn, 0, text, &an), wn);
	CHECK(an & DNS_ANOM_NAME_TEXT_CUT);
	CHECK_EQ_U(strlen(text), DNS_NAME_TEXT - 1);
	/* Label running past the end. */
	CHECK_EQ_U(dns_read_name((const uint8_t *)"\x05" "ab", 3, 0, text, &an),
	    0);
}

/* A byte by byte reference for the text of a name: dig's escapes, cut at
 * DNS_NAME_TEXT - 1 characters. */
static bool
ref_text(const uint8_t *wire, char *out)
{
	size_t len = 0, pos = 0;
	bool cut = false;

#define REF_PUT(ch)	do { if (len + 1 < DNS_NAME_TEXT) out[len++] = (ch); \
			    else cut = true; } while (0)
	while (wire[pos] != 0) {
		uint8_t n = wire[pos++];

		if (len > 0)
			REF_PUT('.');
		for (uint8_t i = 0; i < n; i++) {
			uint8_t c = wire[pos++];

			if (c <= 0x20 || c >= 0x7f) {
				REF_PUT('\\');
				REF_PUT((char)('0' + c / 100));
				REF_PUT((char)('0' + c / 10 % 10));
				REF_PUT((char)('0' + c % 10));
			} else {
				if (strchr("\".;\\()@$", c) != NULL)
					REF_PUT('\\');
				REF_PUT((char)c);
			}
		}
	}
#undef REF_PUT
	if (len == 0)
		out[len++] = '.';
	out[len] = '\0';
	return cut;
}

/* Names of random labels (every byte value, every length) against the
 * reference, many of them long enough to be cut mid-label. */
static void
test_name_text(void)
{
	static uint8_t wire[300];
	char got[DNS_NAME_TEXT], want[DNS_NAME_TEXT];
	unsigned seed = 1;
	int bad = 0;

	for (int round = 0; round < 20000; round++) {
		size_t wl = 0;
		uint32_t an = 0;
		bool cut;

		while (wl < 250) {
			size_t n;

			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 63;
			if (wl + 1 + n + 1 > 255)
				break;
			wire[wl++] = (uint8_t)n;
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				/* Mostly plain letters, some of anything. */
				wire[wl++] = (seed >> 16) % 4 ? (uint8_t)('a' +
				    (seed >> 20) % 26) : (uint8_t)(seed >> 8);
			}
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 5 == 0)
				break;
		}
		wire[wl++] = 0;
		cut = ref_text(wire, want);
		if (dns_read_name(wire, wl, 0, got, &an) != wl ||
		    strcmp(got, want) != 0 ||
		    ((an & DNS_ANOM_NAME_TEXT_CUT) != 0) != cut) {
			if (bad++ < 3)
				CHECK_EQ_S(got, want);
		}
	}
	CHECK_EQ_U(bad, 0);
}

/* OPT with options: ECS family/prefix/address, cookie, oddities. */
static void
put_opt(const char *owner, const uint8_t *rdata, size_t len)
{
	put_name(owner);
	put16(41);
	put16(1232);
	put32(0x01008000ul);	/* ext rcode 1, version 0, DO */
	put16((unsigned)len);
	put(rdata, len);
}

static void
test_edns(void)
{
	/* ECS 2001:db8:1::/56 (7 address bytes), then a 1-byte cookie. */
	static const uint8_t ecs6[] = { 0, 8, 0, 11, 0, 2, 56, 0, 0x20, 0x01,
	    0x0d, 0xb8, 0, 1, 0, 0, 10, 0, 1, 0xaa };
	static const uint8_t bad_ecs[] = { 0, 8, 0, 8, 0, 1, 24, 0, 198, 51,
	    100, 0 };

	header(0x8183, 0, 0, 0, 1);
	put_opt("", ecs6, sizeof(ecs6));
	CHECK_EQ_U(parse_work(), DNS_OK);
	CHECK(m.has_edns && m.edns.has_ecs && m.edns.has_cookie);
	CHECK_EQ_U(m.edns.ecs.family, 2);
	CHECK_EQ_U(m.edns.ecs.source_prefix, 56);
	CHECK(memcmp(m.edns.ecs.addr, "\x20\x01\x0d\xb8\x00\x01\x00", 7) == 0);
	CHECK_EQ_U(m.edns.n_options, 2);
	CHECK(m.edns.is_do);
	CHECK_EQ_U(m.rcode, 0x13);		/* ext 1 << 4 | header 3 */
	CHECK_EQ_U(m.anomalies, 0);

	/* /24 with four address bytes; OPT owner not root; a second OPT;
	 * OPT in the answer section. */
	header(0x8100, 0, 1, 0, 2);
	put_opt("", bad_ecs, sizeof(bad_ecs));
	put_opt("x", NULL, 0);
	put_opt("", NULL, 0);
	CHECK_EQ_U(parse_work(), DNS_OK);
	CHECK(m.anomalies & DNS_ANOM_BAD_ECS);
	CHECK(m.anomalies & DNS_ANOM_OPT_NOT_ADDITIONAL);
	CHECK(m.anomalies & DNS_ANOM_MULTIPLE_OPT);
	CHECK(!(m.anomalies & DNS_ANOM_OPT_NOT_ROOT));	/* second one ignored */
	/* Option length past the rdata. */
	header(0x8100, 0, 0, 0, 1);
	put_opt("", (const uint8_t *)"\x00\x08\x00\x20\x00", 5);
	CHECK_EQ_U(parse_work(), DNS_OK);
	CHECK(m.anomalies & DNS_ANOM_BAD_RDLENGTH);
}

static void
test_caps_and_oddities(void)
{
	size_t used;

	CHECK_EQ_U(dns_parse(work, 11, &m), DNS_NOT_DNS);
	/* 20 A answers: 16 kept. */
	header(0x8580, 1, 20, 0, 0);
	put_name("many.example");
	put16(1);
	put16(1);
	for (int i = 0; i < 20; i++) {
		put("\xc0\x0c", 2);
		put16(1);
		put16(1);
		put32(5);
		put16(4);
		uint8_t a[4] = { 10, 0, 0, (uint8_t)i };
		put(a, 4);
	}
	put("junk", 4);
	CHECK_EQ_U(parse_work(), DNS_OK);
	CHECK_EQ_U(m.n_answers, DNS_MAX_ANSWERS);
	CHECK(m.anomalies & DNS_ANOM_ANSWERS_TRUNCATED);
	CHECK(m.anomalies & DNS_ANOM_TRAILING_DATA);
	CHECK(m.is_aa);
	/* A with 5 bytes of rdata; Z bit set. */
	header(0x81c0, 0, 1, 0, 0);
	put_name("a");
	put16(1);
	put16(1);
	put32(1);
	put16(5);
	put("12345", 5);
	CHECK_EQ_U(parse_work(), DNS_OK);
	CHECK(m.anomalies & DNS_ANOM_BAD_RDLENGTH);
	CHECK(m.anomalies & DNS_ANOM_Z_BIT);
	/* Counts promise more than there is. */
	header(0x0100, 2, 0, 0, 0);
	put_name("a");
	put16(1);
	put16(1);
	CHECK_EQ_U(parse_work(), DNS_MALFORMED);
	CHECK(m.anomalies & DNS_ANOM_COUNTS_SHORT);
	CHECK_EQ_U(m.n_questions, 1);
	/* 300 one-byte questions: walking stops at DNS_MAX_RRS. */
	header(0x0100, 300, 0, 0, 0);
	for (int i = 0; i < 300; i++) {
		put("", 1);
		put16(1);
		put16(1);
	}
	CHECK_EQ_U(parse_work(), DNS_OK);
	CHECK(m.anomalies & DNS_ANOM_TOO_MANY_RRS);
	CHECK(m.anomalies & DNS_ANOM_QUESTIONS_TRUNCATED);
	CHECK_EQ_U(m.n_questions, DNS_MAX_QUESTIONS);
	CHECK_EQ_S(m.questions[0].name, ".");
	/* TCP: two messages back to back. */
	memcpy(work, dig_tcp_mx_query, sizeof(dig_tcp_mx_query));
	memcpy(work + sizeof(dig_tcp_mx_query), dig_tcp_mx_resp,
	    sizeof(dig_tcp_mx_resp));
	CHECK_EQ_U(dns_parse_tcp(work, sizeof(dig_tcp_mx_query) +
	    sizeof(dig_tcp_mx_resp), &m, &used), DNS_OK);
	CHECK_EQ_U(m.is_response, 0);
	CHECK_EQ_U(dns_parse_tcp(work + used, sizeof(dig_tcp_mx_resp), &m,
	    &used), DNS_OK);
	CHECK_EQ_U(m.is_response, 1);
	CHECK_EQ_U(dns_parse_tcp(work, 1, &m, &used), DNS_NEED_MORE);
	CHECK_EQ_U(used, 0);
}

int
main(void)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		check_fixture(&fixtures[i]);
		abuse(&fixtures[i]);
	}
	test_compression();
	test_names();
	test_name_text();
	test_edns();
	test_caps_and_oddities();
	return test_done("test_dns");
}

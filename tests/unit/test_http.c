/* tests/unit/test_http.c: HTTP/1.x request and response head parsers.
 * Fixtures are real requests (tests/fixtures/http/, from pcaps/ and the
 * h2c.pcap of make_h2c.sh); the expected values in them are tshark's. */
#include "analyzers/http.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/test.h"

#include "tests/fixtures/http/curl_cookies.h"
#include "tests/fixtures/http/curl_cookies_resp.h"
#include "tests/fixtures/http/curl_get.h"
#include "tests/fixtures/http/curl_get_resp.h"
#include "tests/fixtures/http/python_get.h"
#include "tests/fixtures/http/python_get_resp.h"
#include "tests/fixtures/http/wget_get.h"
#include "tests/fixtures/http/wget_get_resp.h"

typedef const char *const expect_t[2];

struct fixture {
	const char	*name;
	const uint8_t	*req;
	size_t		 req_len;
	expect_t	*req_ex;
	const uint8_t	*resp;
	size_t		 resp_len;
	expect_t	*resp_ex;
};

#define FIX(n) { #n, n, sizeof(n), n##_expect, n##_resp, sizeof(n##_resp), \
	n##_resp_expect }

static const struct fixture fixtures[] = {
	FIX(curl_get), FIX(wget_get), FIX(python_get), FIX(curl_cookies),
};
#define N_FIXTURES	(sizeof(fixtures) / sizeof(fixtures[0]))

/* Scratch big enough for any test input. */
static uint8_t work[HTTP_MAX_HEAD * 2];
static struct http_request req;
static struct http_response resp;
static struct http_cookies ck;

static const char *
ex(expect_t *e, const char *key)
{
	for (; e[0][0] != NULL; e++)
		if (strcmp(e[0][0], key) == 0)
			return e[0][1];
	fprintf(stderr, "fixture has no %s\n", key);
	return "(missing)";
}

/* Comma-joined stored header names. */
static const char *
names(const struct http_headers *hd)
{
	static char buf[HTTP_MAX_HEADERS * (HTTP_MAX_NAME + 1) + 1];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < hd->n; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? "," : "", hd->h[i].name);
	return buf;
}

static bool
struct_contains(const void *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

static void
check_request(const struct fixture *f)
{
	char ver[16];

	CHECK_EQ_U(http_parse_request(f->req, f->req_len, &req, &ck), HTTP_OK);
	CHECK_EQ_U(req.head_len, f->req_len);
	CHECK_EQ_S(req.method, ex(f->req_ex, "http.request.method"));
	CHECK_EQ_S(req.target, ex(f->req_ex, "http.request.uri"));
	snprintf(ver, sizeof(ver), "HTTP/%u.%u", req.version_major,
	    req.version_minor);
	CHECK_EQ_S(ver, ex(f->req_ex, "http.request.version"));
	CHECK_EQ_S(req.host, ex(f->req_ex, "http.host"));
	CHECK_EQ_S(req.user_agent, ex(f->req_ex, "http.user_agent"));
	CHECK_EQ_S(req.accept_language, ex(f->req_ex, "http.accept_language"));
	CHECK_EQ_U(req.has_referer, *ex(f->req_ex, "http.referer") != '\0');
	CHECK_EQ_U(req.has_cookie, strcmp(ex(f->req_ex, "has.cookie"), "1") ==
	    0);
	CHECK_EQ_S(names(&req.hdrs), ex(f->req_ex, "header.names"));
	CHECK_EQ_U(req.hdrs.n, req.hdrs.n_seen);
	CHECK_EQ_U(req.anomalies, 0);
}

static void
check_response(const struct fixture *f)
{
	char code[16];

	CHECK_EQ_U(http_parse_response(f->resp, f->resp_len, &resp), HTTP_OK);
	snprintf(code, sizeof(code), "%u", resp.status);
	CHECK_EQ_S(code, ex(f->resp_ex, "http.response.code"));
	CHECK_EQ_S(resp.server, ex(f->resp_ex, "http.server"));
	CHECK(resp.has_content_length);
	CHECK_EQ_U(resp.content_length,
	    strtoull(ex(f->resp_ex, "http.content_length"), NULL, 10));
	CHECK_EQ_U(resp.anomalies, 0);
}

/* Cookie values never reach the request struct; the scratch has them. */
static void
test_cookies_withheld(void)
{
	const struct fixture *f = &fixtures[3];

	CHECK_EQ_U(http_parse_request(f->req, f->req_len, &req, &ck), HTTP_OK);
	CHECK(!struct_contains(&req, sizeof(req), "b=2"));
	CHECK(!struct_contains(&req, sizeof(req), "a=1"));
	int i = http_header_find(&req.hdrs, "cookie");
	CHECK(i >= 0 && (req.hdrs.h[i].flags & HTTP_HDR_WITHHELD));
	CHECK_EQ_S(http_header_value(&req.hdrs, (size_t)i, NULL), "");
	/* "Cookie: b=2; a=1" (curl -b 'b=2; a=1'), split on "; ". */
	CHECK_EQ_U(ck.n, 2);
	CHECK(ck.n == 2 && ck.item[0].len == 3 && ck.item[0].name_len == 1 &&
	    memcmp(ck.buf + ck.item[0].off, "b=2", 3) == 0);
	CHECK(ck.n == 2 && memcmp(ck.buf + ck.item[1].off, "a=1", 3) == 0);
	http_cookies_wipe(&ck);
	CHECK(!struct_contains(&ck, sizeof(ck), "b=2"));

	static const char *const auth =
	    "GET / HTTP/1.1\r\nAuthorization: Basic c2VjcmV0\r\n\r\n";
	CHECK_EQ_U(http_parse_request((const uint8_t *)auth, strlen(auth),
	    &req, NULL), HTTP_OK);
	CHECK(req.has_authorization);
	CHECK(!struct_contains(&req, sizeof(req), "c2VjcmV0"));
}

static void
test_cookie_split(void)
{
	http_cookies_init(&ck);
	http_cookies_add(&ck, "a=1;b=2", 7, true);	/* no space: one item */
	CHECK_EQ_U(ck.n, 1);
	http_cookies_add(&ck, "x; y=; ", 7, true);	/* "x", "y=", "" */
	CHECK_EQ_U(ck.n, 4);
	CHECK(ck.item[1].len == 1 && ck.item[1].name_len == 1);
	CHECK(ck.item[2].len == 2 && ck.item[2].name_len == 1);
	CHECK(ck.item[3].len == 0);
	http_cookies_add(&ck, "p=1; q=2", 8, false);	/* HTTP/2: whole */
	CHECK_EQ_U(ck.n, 5);
	CHECK_EQ_U(ck.item[4].len, 8);
	for (int i = 0; i < 100; i++)
		http_cookies_add(&ck, "k=v", 3, true);
	CHECK_EQ_U(ck.n, HTTP_MAX_COOKIES);
	CHECK(ck.flags & HTTP_COOKIE_TOO_MANY);
	http_cookies_init(&ck);
	static char big[HTTP_COOKIE_SCRATCH + 10];
	memset(big, 'z', sizeof(big));
	http_cookies_add(&ck, big, sizeof(big), false);
	CHECK_EQ_U(ck.n, 0);
	CHECK(ck.flags & HTTP_COOKIE_TRUNCATED);
}

/* Every strict prefix of a complete head is NEED_MORE. */
static void
test_prefixes(const struct fixture *f)
{
	for (size_t n = 0; n < f->req_len; n++)
		if (!CHECK_EQ_U(http_parse_request(f->req, n, &req, &ck),
		    HTTP_NEED_MORE))
			break;
	CHECK_EQ_U(http_parse_response(f->resp, f->resp_len, &resp), HTTP_OK);
	size_t head = resp.head_len;
	for (size_t n = 0; n <= f->resp_len; n++)
		if (!CHECK_EQ_U(http_parse_response(f->resp, n, &resp),
		    n < head ? HTTP_NEED_MORE : HTTP_OK))
			break;
}

static bool
request_sane(const struct http_request *r)
{
	return r->hdrs.n <= HTTP_MAX_HEADERS && r->hdrs.n <= r->hdrs.n_seen &&
	    r->hdrs.values_used <= HTTP_VALUES_SIZE &&
	    strlen(r->method) <= HTTP_MAX_METHOD &&
	    strlen(r->target) <= HTTP_MAX_TARGET &&
	    strlen(r->host) <= HTTP_MAX_HOST &&
	    strlen(r->user_agent) <= HTTP_MAX_UA &&
	    r->head_len <= HTTP_MAX_HEAD;
}

/* Single-byte flips: any status, but always a sane struct. */
static void
test_flips(const struct fixture *f)
{
	static const uint8_t masks[] = { 0x01, 0x20, 0x80, 0xff };
	int bad = 0;

	for (size_t i = 0; i < f->req_len; i++)
		for (size_t m = 0; m < sizeof(masks); m++) {
			memcpy(work, f->req, f->req_len);
			work[i] ^= masks[m];
			enum http_status st = http_parse_request(work,
			    f->req_len, &req, &ck);
			if (st > HTTP_MALFORMED || !request_sane(&req) ||
			    ck.n > HTTP_MAX_COOKIES)
				bad++;
			st = http_parse_nth_request(work, f->req_len, 1, &req,
			    NULL);
			if (st > HTTP_MALFORMED)
				bad++;
		}
	for (size_t i = 0; i < f->resp_len; i++) {
		memcpy(work, f->resp, f->resp_len);
		work[i] ^= 0x20;
		if (http_parse_response(work, f->resp_len, &resp) >
		    HTTP_MALFORMED || resp.hdrs.n > HTTP_MAX_HEADERS)
			bad++;
	}
	CHECK_EQ_U(bad, 0);
}

static enum http_status
parse_str(const char *s)
{
	return http_parse_request((const uint8_t *)s, strlen(s), &req, NULL);
}

static void
test_detection(void)
{
	CHECK_EQ_U(parse_str("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), HTTP_NOT_HTTP);
	CHECK_EQ_U(parse_str("SSH-2.0-OpenSSH_9.2\r\n"), HTTP_NOT_HTTP);
	CHECK_EQ_U(parse_str("get / HTTP/1.1\r\n\r\n"), HTTP_NOT_HTTP);
	CHECK_EQ_U(parse_str("GET  / HTTP/1.1\r\n\r\n"), HTTP_NOT_HTTP);
	CHECK_EQ_U(parse_str("GET / HTTP/2.0\r\n\r\n"), HTTP_NOT_HTTP);
	CHECK_EQ_U(parse_str("GET / HTTP/1.1 \r\n\r\n"), HTTP_NOT_HTTP);
	CHECK_EQ_U(parse_str("GET /\r\n"), HTTP_NOT_HTTP);	/* HTTP/0.9 */
	CHECK_EQ_U(parse_str("GETX / HTTP/1.1\r\n\r\n"), HTTP_NOT_HTTP);
	CHECK_EQ_U(parse_str("\x16\x03\x01\x02\x00"), HTTP_NOT_HTTP);
	CHECK_EQ_U(parse_str("GE"), HTTP_NEED_MORE);
	CHECK_EQ_U(parse_str("GET"), HTTP_NEED_MORE);
	CHECK_EQ_U(parse_str("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"), HTTP_OK);
	CHECK_EQ_U(parse_str("PROPFIND /d HTTP/1.1\n\n"), HTTP_OK);
	CHECK(req.anomalies & HTTP_ANOM_BARE_LF);
	CHECK_EQ_U(parse_str("CONNECT a.example:443 HTTP/1.0\r\n\r\n"), HTTP_OK);
	CHECK_EQ_S(req.target, "a.example:443");
	CHECK_EQ_U(req.version_minor, 0);
	CHECK_EQ_U(http_parse_response((const uint8_t *)"HTTP/1.1 200\r\n\r\n",
	    16, &resp), HTTP_OK);
	CHECK(resp.anomalies & HTTP_ANOM_BAD_STATUS);
	CHECK_EQ_U(http_parse_response((const uint8_t *)"HTTP/1.1 2000 OK\r\n",
	    18, &resp), HTTP_NOT_HTTP);
	CHECK_EQ_U(http_parse_response((const uint8_t *)"HTTP/1.0 404 Not "
	    "Found\r\nServer: x \r\n\r\n", 39, &resp), HTTP_OK);
	CHECK_EQ_U(resp.status, 404);
	CHECK_EQ_S(resp.reason, "Not Found");
	CHECK_EQ_S(resp.server, "x");
}

/* A control character in a value is found wherever it lies (values are
 * scanned eight bytes at a time while printable); HTAB, DEL's neighbours
 * and bytes above 0x7f are not control characters, DEL is. */
static void
test_ctl_positions(void)
{
	static const uint8_t odd[] = { 0x01, 0x1f, 0x7f, 0x00 };
	char buf[128];

	for (size_t len = 1; len <= 24; len++)
		for (size_t at = 0; at < len; at++)
			for (size_t k = 0; k < sizeof(odd); k++) {
				size_t n = (size_t)snprintf(buf, sizeof(buf),
				    "GET / HTTP/1.1\r\nX-V: ");

				memset(buf + n, 'v', len);
				buf[n + at] = (char)odd[k];
				memcpy(buf + n + len, "\r\n\r\n", 5);
				CHECK_EQ_U(http_parse_request((uint8_t *)buf,
				    n + len + 4, &req, NULL), HTTP_OK);
				CHECK(req.anomalies & HTTP_ANOM_CTL_IN_VALUE);
			}
	CHECK_EQ_U(parse_str("GET / HTTP/1.1\r\nX-V: a\tb\x7e\x20" "c\xc3\xa9"
	    "\xff\x80 0123456789abcdef\t\r\n\r\n"), HTTP_OK);
	CHECK(!(req.anomalies & HTTP_ANOM_CTL_IN_VALUE));
}

static void
test_anomalies(void)
{
	CHECK_EQ_U(parse_str("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n"
	    "NoColon\r\nX-A : 1\r\nX-B:2\r\nX-C:  3\r\nHost: b\r\n"
	    "User-Agent: u\r\nUser-Agent: v\r\nX-D: \x01\r\n"
	    "Cookie: a=1\r\nCookie: b=2\r\nX(y): 1\r\n\r\n"), HTTP_OK);
	CHECK(req.anomalies & HTTP_ANOM_OBS_FOLD);
	CHECK(req.anomalies & HTTP_ANOM_NO_COLON);
	CHECK(req.anomalies & HTTP_ANOM_SPACE_BEFORE_COLON);
	CHECK(req.anomalies & HTTP_ANOM_ODD_WS);
	CHECK(req.anomalies & HTTP_ANOM_DUP_HOST);
	CHECK(req.anomalies & HTTP_ANOM_DUP_UA);
	CHECK(req.anomalies & HTTP_ANOM_CTL_IN_VALUE);
	CHECK(req.anomalies & HTTP_ANOM_DUP_COOKIE);
	CHECK(req.anomalies & HTTP_ANOM_NAME_CHARS);
	CHECK_EQ_S(req.host, "a");
	CHECK_EQ_S(req.user_agent, "u");
	CHECK_EQ_U(req.n_cookie_hdrs, 2);
	/* Names as sent; "X-A " trimmed; folded and colon-less lines skipped. */
	CHECK_EQ_S(names(&req.hdrs), "Host,X-A,X-B,X-C,Host,User-Agent,"
	    "User-Agent,X-D,Cookie,Cookie,X(y)");
	/* Values as p0f stores them: one blank skipped, nothing trimmed. */
	CHECK_EQ_S(http_header_value(&req.hdrs, 2, NULL), "2");
	CHECK_EQ_S(http_header_value(&req.hdrs, 3, NULL), " 3");
	CHECK(req.hdrs.h[3].flags & HTTP_HDR_ODD_WS);

	CHECK_EQ_U(parse_str("GET / HTTP/1.1\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n"), HTTP_OK);
	CHECK(req.anomalies & HTTP_ANOM_BAD_CONTENT_LENGTH);
	CHECK_EQ_U(parse_str("GET / HTTP/1.1\r\nContent-Length: "
	    "99999999999999999999999\r\n\r\n"), HTTP_OK);
	CHECK(req.anomalies & HTTP_ANOM_BAD_CONTENT_LENGTH);
	CHECK(!req.has_content_length);
}

static void
test_caps(void)
{
	size_t n = 0;

	n += (size_t)snprintf((char *)work, sizeof(work), "GET /");
	while (n < 600)
		work[n++] = 'a';
	n += (size_t)snprintf((char *)work + n, sizeof(work) - n,
	    " HTTP/1.1\r\n");
	for (int i = 0; i < 70; i++)
		n += (size_t)snprintf((char *)work + n, sizeof(work) - n,
		    "X-%d: %d\r\n", i, i);
	n += (size_t)snprintf((char *)work + n, sizeof(work) - n, "X-");
	memset(work + n, 'n', 100);
	n += 100;
	n += (size_t)snprintf((char *)work + n, sizeof(work) - n,
	    ": v\r\n\r\n");
	CHECK_EQ_U(http_parse_request(work, n, &req, NULL), HTTP_OK);
	CHECK(req.anomalies & HTTP_ANOM_TARGET_TRUNCATED);
	CHECK_EQ_U(strlen(req.target), HTTP_MAX_TARGET);
	CHECK(req.anomalies & HTTP_ANOM_TOO_MANY_HEADERS);
	CHECK_EQ_U(req.hdrs.n, HTTP_MAX_HEADERS);
	CHECK_EQ_U(req.hdrs.n_seen, 71);

	/* A long name in a stored slot. */
	CHECK_EQ_U(parse_str("GET / HTTP/1.1\r\nX-012345678901234567890123456789"
	    "0123456789012345678901234567890123456789: v\r\n\r\n"), HTTP_OK);
	CHECK(req.anomalies & HTTP_ANOM_NAME_TRUNCATED);
	CHECK_EQ_U(strlen(req.hdrs.h[0].name), HTTP_MAX_NAME);

	/* Values arena: three 2000-byte values do not all fit. */
	n = (size_t)snprintf((char *)work, sizeof(work), "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 3; i++) {
		n += (size_t)snprintf((char *)work + n, sizeof(work) - n,
		    "X-%d: ", i);
		memset(work + n, 'v', 2000);
		n += 2000;
		work[n++] = '\r';
		work[n++] = '\n';
	}
	work[n++] = '\r';
	work[n++] = '\n';
	CHECK_EQ_U(http_parse_request(work, n, &req, NULL), HTTP_OK);
	CHECK(req.anomalies & HTTP_ANOM_VALUES_TRUNCATED);
	CHECK(req.anomalies & HTTP_ANOM_LONG_VALUE);
	CHECK_EQ_U(req.hdrs.n, 3);
	CHECK(req.hdrs.h[2].flags & HTTP_HDR_VALUE_CUT);
	CHECK_EQ_U(strlen(http_header_value(&req.hdrs, 2, NULL)),
	    req.hdrs.h[2].value_len);

	/* No end of head within HTTP_MAX_HEAD. */
	n = (size_t)snprintf((char *)work, sizeof(work), "GET / HTTP/1.1\r\n");
	while (n < HTTP_MAX_HEAD + 10)
		n += (size_t)snprintf((char *)work + n, sizeof(work) - n,
		    "X: y\r\n");
	CHECK_EQ_U(http_parse_request(work, n, &req, NULL), HTTP_MALFORMED);
	CHECK(req.anomalies & HTTP_ANOM_HEAD_TOO_LONG);
	CHECK_EQ_U(http_parse_request(work, HTTP_MAX_HEAD - 1, &req, NULL),
	    HTTP_NEED_MORE);
}

static void
test_pipeline(void)
{
	const struct fixture *a = &fixtures[0], *b = &fixtures[1];
	static const char post[] = "POST /f HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 5\r\n\r\nhello";
	size_t n;

	memcpy(work, a->req, a->req_len);
	memcpy(work + a->req_len, b->req, b->req_len);
	n = a->req_len + b->req_len;
	CHECK_EQ_U(http_parse_nth_request(work, n, 0, &req, NULL), HTTP_OK);
	CHECK_EQ_S(req.user_agent, ex(a->req_ex, "http.user_agent"));
	CHECK_EQ_U(http_parse_nth_request(work, n, 1, &req, &ck), HTTP_OK);
	CHECK_EQ_S(req.user_agent, ex(b->req_ex, "http.user_agent"));
	CHECK_EQ_U(req.offset, a->req_len);
	CHECK_EQ_U(http_parse_nth_request(work, n, 2, &req, NULL),
	    HTTP_NEED_MORE);
	CHECK_EQ_U(http_parse_nth_request(work, n - 3, 1, &req, NULL),
	    HTTP_NEED_MORE);

	n = strlen(post);
	memcpy(work, post, n);
	memcpy(work + n, a->req, a->req_len);
	CHECK_EQ_U(http_parse_nth_request(work, n + a->req_len, 1, &req,
	    NULL), HTTP_OK);
	CHECK_EQ_S(req.method, "GET");
	CHECK_EQ_U(req.offset, n);
	CHECK_EQ_U(http_parse_nth_request(work, n - 1, 1, &req, NULL),
	    HTTP_NEED_MORE);	/* inside the body */

	n = (size_t)snprintf((char *)work, sizeof(work), "POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
	CHECK_EQ_U(http_parse_nth_request(work, n, 1, &req, NULL),
	    HTTP_MALFORMED);
	CHECK(req.anomalies & HTTP_ANOM_BODY_UNKNOWN);
	CHECK_EQ_U(http_parse_nth_request(work, n, HTTP_MAX_PIPELINE, &req,
	    NULL), HTTP_MALFORMED);
}

/* FNV-1a 64 of the lower-cased names each followed by ',', e.g.
 * python3: h=0xcbf29ce484222325; for b in b"host,user-agent,accept,":
 *          h=((h^b)*0x100000001b3)%2**64  ->  d147cde14838e98a */
static void
test_order_hash(void)
{
	char h[17];

	CHECK_EQ_U(http_parse_request(fixtures[0].req, fixtures[0].req_len,
	    &req, NULL), HTTP_OK);
	CHECK_EQ_U(http_header_order_hash(&req.hdrs, h), 3);
	CHECK_EQ_S(h, "d147cde14838e98a");
	CHECK_EQ_U(http_parse_request(fixtures[2].req, fixtures[2].req_len,
	    &req, NULL), HTTP_OK);
	http_header_order_hash(&req.hdrs, h);
	CHECK_EQ_S(h, "6f80ab7008bd9018");	/* python urllib's four */
	/* Case does not matter; Cookie and Referer are left out. */
	CHECK_EQ_U(parse_str("GET / HTTP/1.1\r\nHOST: x\r\nCookie: c=1\r\n"
	    "user-AGENT: y\r\nReferer: r\r\nAccept: */*\r\n\r\n"), HTTP_OK);
	CHECK_EQ_U(http_header_order_hash(&req.hdrs, h), 3);
	CHECK_EQ_S(h, "d147cde14838e98a");
	CHECK_EQ_U(parse_str("GET / HTTP/1.1\r\n\r\n"), HTTP_OK);
	http_header_order_hash(&req.hdrs, h);
	CHECK_EQ_S(h, "cbf29ce484222325");	/* FNV offset basis */
	CHECK(http_header_find(&req.hdrs, "host") == -1);
}

int
main(void)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		check_request(&fixtures[i]);
		check_response(&fixtures[i]);
		test_prefixes(&fixtures[i]);
		test_flips(&fixtures[i]);
	}
	test_cookies_withheld();
	test_cookie_split();
	test_detection();
	test_anomalies();
	test_ctl_positions();
	test_caps();
	test_pipeline();
	test_order_hash();
	return test_done("test_http");
}

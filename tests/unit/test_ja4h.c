/* tests/unit/test_ja4h.c: JA4H (FoxIO License 1.1; built with
 * --enable-ja4plus).  The fixtures' ja4h values were derived by
 * tests/fixtures/gen_fixtures.py from tshark's header fields; the others
 * are derived by hand below (python3 hashlib.sha256(...).hexdigest()[:12]). */
#include "analyzers/ja4h.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analyzers/hpack.h"
#include "analyzers/http.h"
#include "analyzers/http2.h"
#include "tests/test.h"

#include "tests/fixtures/http/curl_cookies.h"
#include "tests/fixtures/http/curl_get.h"
#include "tests/fixtures/http/h2c_curl.h"
#include "tests/fixtures/http/h2c_curl_cookies.h"
#include "tests/fixtures/http/h2c_nghttp.h"
#include "tests/fixtures/http/python_get.h"
#include "tests/fixtures/http/wget_get.h"

typedef const char *const expect_t[2];

static struct http_request req;
static struct http_cookies ck;
static struct ja4h j;
static struct hpack_decoder dec;
static struct http2_preface pre;
static uint8_t work[16384];

static const char *
ex(expect_t *e, const char *key)
{
	for (; e[0][0] != NULL; e++)
		if (strcmp(e[0][0], key) == 0)
			return e[0][1];
	return "(missing)";
}

static void
test_fixtures(void)
{
	static const struct {
		const uint8_t	*b;
		size_t		 n;
		expect_t	*e;
		bool		 is_h2;
	} f[] = {
		{ curl_get, sizeof(curl_get), curl_get_expect, false },
		{ wget_get, sizeof(wget_get), wget_get_expect, false },
		{ python_get, sizeof(python_get), python_get_expect, false },
		{ curl_cookies, sizeof(curl_cookies), curl_cookies_expect,
		    false },
		{ h2c_curl, sizeof(h2c_curl), h2c_curl_expect, true },
		{ h2c_curl_cookies, sizeof(h2c_curl_cookies),
		    h2c_curl_cookies_expect, true },
		{ h2c_nghttp, sizeof(h2c_nghttp), h2c_nghttp_expect, true },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].is_h2) {
			hpack_init(&dec, 4096);
			CHECK_EQ_U(http2_parse_preface(f[i].b, f[i].n, &dec,
			    &pre, &req, &ck), HTTP2_OK);
		} else
			CHECK_EQ_U(http_parse_request(f[i].b, f[i].n, &req,
			    &ck), HTTP_OK);
		ja4h_compute(&req, &ck, &j);
		CHECK_EQ_S(j.ja4h, ex(f[i].e, "ja4h"));
		CHECK_EQ_U(j.flags, 0);
	}
}

/* curl -b 'b=2; a=1' -e ... -H 'Accept-Language: de-CH,de;q=0.9':
 *   d over "b=2,a=1" = 51db3c6ae761 (wire order), "a=1,b=2" = 06beefe2b477 */
static void
test_raw_forms(void)
{
	CHECK_EQ_U(http_parse_request(curl_cookies, sizeof(curl_cookies), &req,
	    &ck), HTTP_OK);
	ja4h_compute(&req, &ck, &j);
	CHECK_EQ_S(j.ja4h_ro, "ge11cr04dech_Host,User-Agent,Accept,"
	    "Accept-Language_b,a_51db3c6ae761");
	CHECK_EQ_S(j.ja4h_r, "ge11cr04dech_Host,User-Agent,Accept,"
	    "Accept-Language_a,b_06beefe2b477");
	/* No cookie value anywhere in the output. */
	CHECK(memmem(&j, sizeof(j), "b=2", 3) == NULL);
	CHECK(memmem(&j, sizeof(j), "a=1", 3) == NULL);
	/* Without the scratch the cookie part cannot be computed. */
	ja4h_compute(&req, NULL, &j);
	CHECK(j.flags & JA4H_NO_COOKIE_SCRATCH);
	CHECK(strstr(j.ja4h, "_000000000000_000000000000") != NULL);
}

static void
compute(const char *s)
{
	CHECK_EQ_U(http_parse_request((const uint8_t *)s, strlen(s), &req, &ck),
	    HTTP_OK);
	ja4h_compute(&req, &ck, &j);
}

static void
test_rules(void)
{
	/* Names sort byte-wise with a prefix first: pardot, visitor,
	 * visitor-hash -> b3a4f6e6ff52; items in that order
	 * "pardot=3,visitor=1,visitor-hash=2" -> e3d0a97d9f49; the header
	 * list is just "Host" -> 4a823118b9ba. */
	compute("GET / HTTP/1.1\r\nHost: h\r\nCookie: visitor=1; "
	    "visitor-hash=2; pardot=3\r\n\r\n");
	CHECK_EQ_S(j.ja4h, "ge11cn010000_4a823118b9ba_b3a4f6e6ff52_"
	    "e3d0a97d9f49");

	/* Language: first item, '-' dropped, lower case, 4 chars. */
	compute("GET / HTTP/1.1\r\nAccept-Language: en-US,en;q=0.9\r\n\r\n");
	CHECK(strncmp(j.ja4h, "ge11nn01enus_", 13) == 0);
	compute("GET / HTTP/1.1\r\nAccept-Language:  da, en\r\n\r\n");
	CHECK(strncmp(j.ja4h, "ge11nn01da00_", 13) == 0);
	compute("GET / HTTP/1.1\r\nAccept-Language: en;q=0.8\r\n\r\n");
	CHECK(strncmp(j.ja4h, "ge11nn01en;q_", 13) == 0);
	compute("GET / HTTP/1.1\r\nAccept-Language:\r\n\r\n");
	CHECK(strncmp(j.ja4h, "ge11nn010000_", 13) == 0);

	/* Method, version, referer; Cookie/Referer are not counted. */
	compute("PROPFIND / HTTP/1.0\r\nHost: h\r\nReferer: r\r\n"
	    "Accept-Language: x\r\n\r\n");
	CHECK_EQ_S(j.ja4h, "pr10nr02x000_09e340ee0db0_000000000000_"
	    "000000000000");

	/* 120 headers: the count stops at 99, the list at the cap. */
	size_t n = (size_t)snprintf((char *)work, sizeof(work),
	    "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 120; i++)
		n += (size_t)snprintf((char *)work + n, sizeof(work) - n,
		    "X%d: v\r\n", i);
	n += (size_t)snprintf((char *)work + n, sizeof(work) - n, "\r\n");
	CHECK_EQ_U(http_parse_request(work, n, &req, &ck), HTTP_OK);
	ja4h_compute(&req, &ck, &j);
	CHECK(strncmp(j.ja4h, "ge11nn990000_", 13) == 0);
	CHECK(j.flags & JA4H_HEADERS_INCOMPLETE);
	CHECK_EQ_U(strlen(j.ja4h), JA4H_SIZE - 1);
}

int
main(void)
{
	test_fixtures();
	test_raw_forms();
	test_rules();
	return test_done("test_ja4h");
}

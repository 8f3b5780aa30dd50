/* tests/unit/test_http2.c: HTTP/2 client preface, frames, Akamai print.
 * Fixtures are real h2c client streams (curl, nghttp; make_h2c.sh); their
 * expected values come from tshark's http2 fields. */
#include "analyzers/http2.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/test.h"

#include "tests/fixtures/http/h2c_curl.h"
#include "tests/fixtures/http/h2c_curl_cookies.h"
#include "tests/fixtures/http/h2c_nghttp.h"

typedef const char *const expect_t[2];

struct fixture {
	const uint8_t	*b;
	size_t		 n;
	expect_t	*e;
};

static const struct fixture fixtures[] = {
	{ h2c_curl, sizeof(h2c_curl), h2c_curl_expect },
	{ h2c_curl_cookies, sizeof(h2c_curl_cookies), h2c_curl_cookies_expect },
	{ h2c_nghttp, sizeof(h2c_nghttp), h2c_nghttp_expect },
};
#define N_FIXTURES	(sizeof(fixtures) / sizeof(fixtures[0]))

static struct hpack_decoder dec;
static struct http2_preface pre;
static struct http_request req;
static struct http_cookies ck;
static uint8_t work[1 << 16];
static char ak[HTTP2_AKAMAI_SIZE];

static const char *
ex(expect_t *e, const char *key)
{
	for (; e[0][0] != NULL; e++)
		if (strcmp(e[0][0], key) == 0)
			return e[0][1];
	return "(missing)";
}

static const char *
names(void)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < req.hdrs.n; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? "," : "", req.hdrs.h[i].name);
	return buf;
}

/* Frame header + payload at p; returns its size. */
static size_t
frame(uint8_t *p, size_t len, uint8_t type, uint8_t flags, uint32_t sid,
    const void *payload)
{
	p[0] = (uint8_t)(len >> 16);
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)len;
	p[3] = type;
	p[4] = flags;
	p[5] = (uint8_t)(sid >> 24);
	p[6] = (uint8_t)(sid >> 16);
	p[7] = (uint8_t)(sid >> 8);
	p[8] = (uint8_t)sid;
	if (len > 0)
		memcpy(p + 9, payload, len);
	return 9 + len;
}

static enum http2_status
preface(const uint8_t *b, size_t n)
{
	hpack_init(&dec, 4096);
	return http2_parse_preface(b, n, &dec, &pre, &req, &ck);
}

static void
check_fixture(const struct fixture *f)
{
	CHECK_EQ_U(preface(f->b, f->n), HTTP2_OK);
	http2_akamai(&pre, ak, sizeof(ak));
	CHECK_EQ_S(ak, ex(f->e, "akamai"));
	CHECK_EQ_S(names(), ex(f->e, "header.names"));
	CHECK_EQ_S(req.method, ex(f->e, ":method"));
	CHECK_EQ_S(req.target, ex(f->e, ":path"));
	CHECK_EQ_S(req.host, ex(f->e, ":authority"));
	CHECK_EQ_S(req.user_agent, ex(f->e, "user-agent"));
	CHECK_EQ_U(req.version_major, 2);
	CHECK_EQ_U(pre.anomalies, 0);
	CHECK_EQ_U(pre.headers_stream_id % 2, 1);	/* nghttp: 13 */
	CHECK(pre.consumed > HTTP2_PREFACE_LEN && pre.consumed <= f->n);

	/* Strict prefixes up to the block: NEED_MORE, decoder untouched. */
	size_t end = pre.consumed;
	for (size_t n = 0; n < end; n++) {
		if (!CHECK_EQ_U(preface(f->b, n), HTTP2_NEED_MORE))
			break;
		if (!CHECK_EQ_U(dec.n, 0))
			break;
	}
	/* The rest of the client stream has no second request. */
	size_t used = 0;
	uint32_t an = 0;
	CHECK_EQ_U(preface(f->b, f->n), HTTP2_OK);
	CHECK_EQ_U(http2_parse_next_request(f->b + end, f->n - end, &dec, &req,
	    &ck, &used, &an), HTTP2_NEED_MORE);
	CHECK_EQ_U(used, f->n - end);
}

static void
test_flips(const struct fixture *f)
{
	int bad = 0;

	for (size_t i = 0; i < f->n && i < 600; i++)
		for (int m = 0; m < 8; m += 3) {
			memcpy(work, f->b, f->n);
			work[i] ^= (uint8_t)(1u << m);
			enum http2_status st = preface(work, f->n);
			if (st > HTTP2_MALFORMED || pre.n_settings >
			    HTTP2_MAX_SETTINGS || pre.n_priorities >
			    HTTP2_MAX_PRIORITIES || req.hdrs.n >
			    HTTP_MAX_HEADERS || strlen(pre.pseudo_order) >
			    HTTP2_MAX_PSEUDO)
				bad++;
			if (st == HTTP2_OK && pre.consumed > f->n)
				bad++;
			http2_akamai(&pre, ak, sizeof(ak));
		}
	CHECK_EQ_U(bad, 0);
}

/* The curl stream with its first HEADERS block split into HEADERS +
 * CONTINUATION, then a second request on stream 3. */
static void
test_continuation_and_next(void)
{
	const struct fixture *f = &fixtures[0];
	size_t off = HTTP2_PREFACE_LEN, n = 0;

	memcpy(work, f->b, off);
	n = off;
	while (off + 9 <= f->n) {
		size_t len = (size_t)f->b[off] << 16 | f->b[off + 1] << 8 |
		    f->b[off + 2];
		uint8_t type = f->b[off + 3], flags = f->b[off + 4];

		if (type == 1) {
			CHECK_EQ_U(flags & 0x2c, 0x04);	/* END_HEADERS only */
			n += frame(work + n, 3, 1, (uint8_t)(flags & ~0x04u), 1,
			    f->b + off + 9);
			n += frame(work + n, len - 3, 9, 0x04, 1,
			    f->b + off + 12);
			off += 9 + len;
			break;
		}
		memcpy(work + n, f->b + off, 9 + len);
		n += 9 + len;
		off += 9 + len;
	}
	CHECK_EQ_U(preface(work, n), HTTP2_OK);
	CHECK_EQ_S(req.user_agent, "curl/7.88.1");
	http2_akamai(&pre, ak, sizeof(ak));
	CHECK_EQ_S(ak, ex(f->e, "akamai"));
	size_t first = pre.consumed;

	/* Stream 3: GET https /x, :authority a.b (literal, indexed). */
	static const uint8_t blk[] = { 0x82, 0x87, 0x44, 0x02, '/', 'x', 0x41,
	    0x03, 'a', '.', 'b' };
	n += frame(work + n, 0, 6, 0, 0, NULL);		/* PING, odd but fine */
	size_t before = n;
	n += frame(work + n, sizeof(blk), 1, 0x05, 3, blk);
	size_t used;
	uint32_t an = 0;
	CHECK_EQ_U(http2_parse_next_request(work + first, before - first, &dec,
	    &req, &ck, &used, &an), HTTP2_NEED_MORE);
	CHECK_EQ_U(used, before - first);
	CHECK_EQ_U(http2_parse_next_request(work + first, n - first - 1, &dec,
	    &req, &ck, &used, &an), HTTP2_NEED_MORE);
	CHECK_EQ_U(used, before - first);	/* keep the partial HEADERS */
	CHECK_EQ_U(http2_parse_next_request(work + first, n - first, &dec,
	    &req, &ck, &used, &an), HTTP2_OK);
	CHECK_EQ_U(used, n - first);
	CHECK_EQ_S(req.method, "GET");
	CHECK_EQ_S(req.target, "/x");
	CHECK_EQ_S(req.host, "a.b");
	CHECK_EQ_S(names(), ":method,:scheme,:path,:authority");
	/* A big DATA frame still arriving can be dropped unseen. */
	n = frame(work, 0, 0, 0, 1, NULL);
	work[0] = 0x01;		/* length 65536 */
	CHECK_EQ_U(http2_parse_next_request(work, 100, &dec, &req, &ck, &used,
	    &an), HTTP2_NEED_MORE);
	CHECK_EQ_U(used, 9 + 65536);
}

static size_t
start(void)
{
	memcpy(work, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", HTTP2_PREFACE_LEN);
	return HTTP2_PREFACE_LEN;
}

static void
test_frames(void)
{
	static const uint8_t get[] = { 0x82, 0x84, 0x86, 0x41, 0x01, 'h' };
	uint8_t p[64];
	size_t n;

	CHECK_EQ_U(preface((const uint8_t *)"GET / HTTP/1.1\r\n", 16),
	    HTTP2_NOT_HTTP2);
	CHECK_EQ_U(preface((const uint8_t *)"PRI * HTTP/2.0\r\n", 16),
	    HTTP2_NEED_MORE);

	/* No SETTINGS, no WINDOW_UPDATE: "|00|0|m,p,s,a"; HEADERS with
	 * PADDED|PRIORITY: exclusive on 3, wire weight 15. */
	n = start();
	p[0] = 2;				/* pad length */
	p[1] = 0x80; p[2] = 0; p[3] = 0; p[4] = 3;
	p[5] = 15;
	memcpy(p + 6, get, sizeof(get));
	p[6 + sizeof(get)] = p[7 + sizeof(get)] = 0;
	n += frame(work + n, 8 + sizeof(get), 1, 0x2c, 1, p);
	CHECK_EQ_U(preface(work, n), HTTP2_OK);
	CHECK(pre.anomalies & HTTP2_ANOM_NOT_SETTINGS_FIRST);
	CHECK(pre.has_headers_priority && pre.headers_priority.is_exclusive);
	CHECK_EQ_U(pre.headers_priority.depends_on, 3);
	CHECK_EQ_U(pre.headers_priority.weight, 16);
	http2_akamai(&pre, ak, sizeof(ak));
	CHECK_EQ_S(ak, "|00|0|m,p,s,a");
	CHECK_EQ_S(req.host, "h");

	/* Padding longer than the payload. */
	n = start();
	p[0] = 200;
	memcpy(p + 1, get, sizeof(get));
	n += frame(work + n, 1 + sizeof(get), 1, 0x0c, 1, p);
	CHECK_EQ_U(preface(work, n), HTTP2_MALFORMED);
	CHECK(pre.anomalies & HTTP2_ANOM_BAD_PADDING);

	/* CONTINUATION on another stream. */
	n = start();
	n += frame(work + n, 3, 1, 0, 1, get);
	n += frame(work + n, 3, 9, 4, 3, get + 3);
	CHECK_EQ_U(preface(work, n), HTTP2_MALFORMED);
	CHECK(pre.anomalies & HTTP2_ANOM_BAD_CONTINUATION);

	/* Odd SETTINGS length, short WINDOW_UPDATE, two PRIORITY frames,
	 * unknown frame type, then the request. */
	n = start();
	static const uint8_t st[] = { 0, 3, 0, 0, 0, 100, 0, 4, 0, 1, 0, 0,
	    9 };
	n += frame(work + n, sizeof(st), 4, 0, 0, st);
	n += frame(work + n, 4, 4, 1, 0, st);		/* ACK: ignored */
	n += frame(work + n, 3, 8, 0, 0, st);
	static const uint8_t wu[] = { 0, 0, 0x10, 0 };
	n += frame(work + n, 4, 8, 0, 5, wu);		/* stream 5: not it */
	n += frame(work + n, 4, 8, 0, 0, wu);
	static const uint8_t pr[] = { 0, 0, 0, 0, 200 };
	n += frame(work + n, 5, 2, 0, 3, pr);
	n += frame(work + n, 5, 2, 0, 5, pr);
	n += frame(work + n, 2, 0xfa, 0, 0, "zz");
	n += frame(work + n, sizeof(get), 1, 5, 1, get);
	CHECK_EQ_U(preface(work, n), HTTP2_OK);
	CHECK(pre.anomalies & HTTP2_ANOM_SETTINGS_LEN);
	CHECK(pre.anomalies & HTTP2_ANOM_FRAME_SIZE);
	http2_akamai(&pre, ak, sizeof(ak));
	CHECK_EQ_S(ak, "3:100;4:65536|4096|3:0:0:201,5:0:0:201|m,p,s,a");

	/* Pseudo-header after a regular field. */
	static const uint8_t late[] = { 0x82, 0x41, 0x01, 'h', 0x7a, 0x01, 'x',
	    0x84 };
	n = start();
	n += frame(work + n, sizeof(late), 1, 4, 1, late);
	CHECK_EQ_U(preface(work, n), HTTP2_OK);
	CHECK(pre.anomalies & HTTP2_ANOM_PSEUDO_LATE);
	CHECK_EQ_S(pre.pseudo_order, "map");

	/* HPACK error: decoder broken, MALFORMED. */
	n = start();
	n += frame(work + n, 1, 1, 4, 1, "\x80");
	CHECK_EQ_U(preface(work, n), HTTP2_MALFORMED);
	CHECK(dec.is_broken);

	/* Too many frames before a request. */
	n = start();
	for (int i = 0; i < HTTP2_MAX_FRAMES + 2; i++)
		n += frame(work + n, 8, 6, 0, 0, "pingpong");
	n += frame(work + n, sizeof(get), 1, 5, 1, get);
	CHECK_EQ_U(preface(work, n), HTTP2_MALFORMED);
	CHECK(pre.anomalies & HTTP2_ANOM_FRAME_LIMIT);
}

int
main(void)
{
	for (size_t i = 0; i < N_FIXTURES; i++) {
		check_fixture(&fixtures[i]);
		test_flips(&fixtures[i]);
	}
	test_continuation_and_next();
	test_frames();
	return test_done("test_http2");
}

/* tests/fuzz/fuzz_http.c: HTTP/1.x request and response heads, pipelining,
 * the p0f signature and matcher, the header-order hash and JA4H, over one
 * input taken as a client stream and as a server stream. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzers/http.h"
#include "analyzers/p0f_http.h"
#ifdef FP_JA4PLUS
#include "analyzers/ja4h.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char db_text[] =
    "[http:request]\n"
    "label = s:!:curl:\n"
    "sys = @unix\n"
    "sig = *:Host,User-Agent,?Referer,Accept=[*/*]:Connection:curl/\n"
    "label = g:!:any:\n"
    "sys = @unix\n"
    "sig = 1:Host::\n";

static struct http_request req;
static struct http_response resp;
static struct http_cookies ck;
static struct p0f_http_db db;
static int db_loaded;
static char sig[P0F_HTTP_SIG_SIZE];

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void
request(void)
{
	struct p0f_http_match m;
	char h[17];

	check(req.hdrs.n <= HTTP_MAX_HEADERS && req.hdrs.n <= req.hdrs.n_seen);
	check(req.hdrs.values_used <= HTTP_VALUES_SIZE);
	(void)p0f_http_request_sig(&req, &db, sig, sizeof(sig));
	(void)p0f_http_request_sig(&req, NULL, sig, 16);
	(void)p0f_http_match_request(&db, &req, &m);
	(void)http_header_order_hash(&req.hdrs, h);
	for (size_t i = 0; i < req.hdrs.n; i++) {
		size_t n;
		const char *v = http_header_value(&req.hdrs, i, &n);

		check(strlen(v) <= n);
	}
#ifdef FP_JA4PLUS
	static struct ja4h j;

	ja4h_compute(&req, &ck, &j);
	check(strlen(j.ja4h) == JA4H_SIZE - 1);
#endif
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];

	if (!db_loaded) {
		check(p0f_http_load_mem(&db, db_text, sizeof(db_text) - 1,
		    "fuzz", err, sizeof(err)) == 0);
		db_loaded = 1;
	}
	if (http_parse_request(data, size, &req, &ck) == HTTP_OK)
		request();
	if (size > 0 && http_parse_nth_request(data, size, data[size - 1] % 4,
	    &req, &ck) == HTTP_OK)
		request();
	if (http_parse_response(data, size, &resp) == HTTP_OK)
		check(resp.hdrs.n <= HTTP_MAX_HEADERS && resp.status <= 999);
	http_cookies_wipe(&ck);
	return 0;
}

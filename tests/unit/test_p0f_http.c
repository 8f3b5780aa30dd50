/* tests/unit/test_p0f_http.c: p0f HTTP request signatures: printing (vs
 * p0f 3.09b's own log lines kept in the fixtures), loading and matching. */
#include "analyzers/p0f_http.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analyzers/http.h"
#include "tests/test.h"

#include "tests/fixtures/http/curl_cookies.h"
#include "tests/fixtures/http/curl_get.h"
#include "tests/fixtures/http/python_get.h"
#include "tests/fixtures/http/wget_get.h"

typedef const char *const expect_t[2];

static struct http_request req;
static char sig[P0F_HTTP_SIG_SIZE];
static char err[256];

static const char *
ex(expect_t *e, const char *key)
{
	for (; e[0][0] != NULL; e++)
		if (strcmp(e[0][0], key) == 0)
			return e[0][1];
	return "(missing)";
}

static bool
parse(const char *s)
{
	return http_parse_request((const uint8_t *)s, strlen(s), &req, NULL) ==
	    HTTP_OK;
}

/* Raw signatures equal p0f's for the real requests. */
static void
test_fixture_sigs(void)
{
	static const struct {
		const uint8_t	*b;
		size_t		 n;
		expect_t	*e;
	} f[] = {
		{ curl_get, sizeof(curl_get), curl_get_expect },
		{ wget_get, sizeof(wget_get), wget_get_expect },
		{ python_get, sizeof(python_get), python_get_expect },
		{ curl_cookies, sizeof(curl_cookies), curl_cookies_expect },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		CHECK_EQ_U(http_parse_request(f[i].b, f[i].n, &req, NULL),
		    HTTP_OK);
		p0f_http_request_sig(&req, NULL, sig, sizeof(sig));
		CHECK_EQ_S(sig, ex(f[i].e, "p0f.raw_sig"));
	}
}

static void
test_sig_rules(void)
{
	/* Values: at most 200 printable bytes, cut at ']' (and at '|' for
	 * names p0f knows); '?' headers and Host/User-Agent without value;
	 * lower-case user-agent is another header (so "anonymous"). */
	CHECK(parse("GET /x HTTP/1.0\r\nuser-agent: a]b\r\nAccept: x|y\r\n"
	    "X-Odd: p|q]r\r\nRange: bytes=1-\r\nX-Empty:\r\n\r\n"));
	CHECK(p0f_http_request_sig(&req, NULL, sig, sizeof(sig)) > 0);
	CHECK_EQ_S(sig, "0:user-agent=[a],Accept=[x],X-Odd=[p|q],?Range,"
	    "X-Empty:Host,User-Agent,Connection,Accept-Encoding,"
	    "Accept-Language,Accept-Charset,Keep-Alive:");
	/* The last non-empty User-Agent is the software. */
	CHECK(parse("GET / HTTP/1.1\r\nUser-Agent: one\r\nUser-Agent: two]x\r\n"
	    "User-Agent:\r\n\r\n"));
	p0f_http_request_sig(&req, NULL, sig, sizeof(sig));
	CHECK_EQ_S(sig, "1:User-Agent,User-Agent,User-Agent:Host,Connection,"
	    "Accept,Accept-Encoding,Accept-Language,Accept-Charset,"
	    "Keep-Alive:two");
	/* Output is cut to fit, the full length is returned. */
	size_t n = p0f_http_request_sig(&req, NULL, sig, 8);
	CHECK_EQ_U(strlen(sig), 7);
	CHECK(n > 8);

	/* Requests p0f leaves alone. */
	CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\n\r\n"));
	CHECK_EQ_U(p0f_http_request_sig(&req, NULL, sig, sizeof(sig)), 0);
	CHECK_EQ_S(sig, "");
	CHECK(parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n"));
	CHECK_EQ_U(p0f_http_request_sig(&req, NULL, sig, sizeof(sig)), 0);
	CHECK(parse("GET / HTTP/1.1\r\nX.Y: 1\r\n\r\n"));
	CHECK_EQ_U(p0f_http_request_sig(&req, NULL, sig, sizeof(sig)), 0);
	CHECK(parse("GET / HTTP/1.1\r\nX: 1\r\n folded\r\n\r\n"));
	CHECK_EQ_U(p0f_http_request_sig(&req, NULL, sig, sizeof(sig)), 0);
	CHECK(parse("GET / HTTP/1.1\r\nX-0123456789012345678901234567890: "
	    "1\r\n\r\n"));		/* 33-byte name */
	CHECK_EQ_U(p0f_http_request_sig(&req, NULL, sig, sizeof(sig)), 0);
	CHECK(parse("GET / HTTP/1.1\r\nX-012345678901234567890123456789: "
	    "1\r\n\r\n"));		/* 32 bytes: fine */
	CHECK(p0f_http_request_sig(&req, NULL, sig, sizeof(sig)) > 0);
	CHECK(parse("GET / HTTP/1.1\r\n\r\n"));	/* line of 14 bytes: fine */
	CHECK(p0f_http_request_sig(&req, NULL, sig, sizeof(sig)) > 0);
	CHECK(parse("GET / HTTP/1.\x31\n\n"));	/* LF at 14: still fine */
	CHECK(p0f_http_request_sig(&req, NULL, sig, sizeof(sig)) > 0);

	char big[2048];
	size_t k = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 33; i++)
		k += (size_t)snprintf(big + k, sizeof(big) - k, "X%d: v\r\n", i);
	snprintf(big + k, sizeof(big) - k, "\r\n");
	CHECK(parse(big));
	CHECK_EQ_U(p0f_http_request_sig(&req, NULL, sig, sizeof(sig)), 0);
}

static const char db_text[] =
    "; test database\n"
    "classes = win,unix,other\n"
    "[tcp:request]\n"
    "label = s:unix:Linux:3.x\n"
    "sig   = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n"
    "[http:request]\n"
    "ua_os = Linux,Windows,iOS=[iPad]\n"
    "label = s:!:Tool:1.x\n"
    "sys   = @unix,Windows\n"
    "sig   = *:Host,User-Agent,?Referer,Accept=[*/*]:Connection:tool/\n"
    "label = s:!:tool:2.x\n"		/* spelling of the first wins */
    "sys   = @unix\n"
    "sig   = 1:User-Agent,Host:Accept:tool/\n"
    "label = g:!:Anything:\n"
    "sys   = @unix\n"
    "sig   = *:Host::\n"
    "label = s:!:Piper:\n"
    "sys   = @unix\n"
    "sig   = 0:Host,X-Pipe=[a|b]::\n"
    "[http:response]\n"
    "label = s:!:nginx:\n"
    "sys   = @unix\n"
    "sig   = *:Server,X-Resp::nginx\n";

static void
test_match(void)
{
	struct p0f_http_db db;
	struct p0f_http_match m;

	CHECK_EQ_U(p0f_http_load_mem(&db, db_text, strlen(db_text), "t.fp",
	    err, sizeof(err)), 0);
	CHECK_EQ_S(err, "");
	CHECK_EQ_U(db.n_sigs, 4);
	CHECK_EQ_U(db.n_labels, 4);
	CHECK_EQ_S(db.labels[0].text, "Tool 1.x");
	CHECK_EQ_S(db.labels[1].text, "Tool 2.x");
	CHECK_EQ_U(db.sigs[0].line, 10);
	CHECK(db.labels[2].is_generic && db.labels[2].is_app);

	/* Extra headers may sit between; optional Referer may be missing. */
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nX: 1\r\nUser-Agent: tool/1"
	    "\r\nAccept: text/html, */*\r\n\r\n"));
	CHECK(p0f_http_match_request(&db, &req, &m));
	CHECK_EQ_S(m.label, "Tool 1.x");
	CHECK(!m.is_dishonest && !m.is_anonymous && !m.is_generic);
	/* Value substring missing -> next candidates; only generic left. */
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: tool/1\r\n"
	    "Accept: text/html\r\n\r\n"));
	CHECK(p0f_http_match_request(&db, &req, &m));
	CHECK_EQ_S(m.label, "Anything");
	CHECK(m.is_generic);
	/* Optional header present out of order -> no specific match. */
	CHECK(parse("GET / HTTP/1.1\r\nReferer: r\r\nHost: h\r\nUser-Agent: "
	    "tool/1\r\nAccept: */*\r\n\r\n"));
	CHECK(p0f_http_match_request(&db, &req, &m));
	CHECK_EQ_S(m.label, "Anything");
	/* Absent header present -> no match ("Connection"). */
	CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: tool/1\r\n"
	    "Accept: */*\r\nConnection: close\r\n\r\n"));
	CHECK(p0f_http_match_request(&db, &req, &m));
	CHECK_EQ_S(m.label, "Anything");
	/* Version 1 only; software check gives "dishonest". */
	CHECK(parse("GET / HTTP/1.1\r\nUser-Agent: other\r\nHost: h\r\n\r\n"));
	CHECK(p0f_http_match_request(&db, &req, &m));
	CHECK_EQ_S(m.label, "Tool 2.x");
	CHECK(m.is_dishonest);
	CHECK(parse("GET / HTTP/1.0\r\nUser-Agent: other\r\nHost: h\r\n\r\n"));
	CHECK(p0f_http_match_request(&db, &req, &m));
	CHECK_EQ_S(m.label, "Anything");
	/* Names are case-sensitive: "host" is not "Host". */
	CHECK(parse("GET / HTTP/1.1\r\nhost: h\r\n\r\n"));
	CHECK(!p0f_http_match_request(&db, &req, &m));
	CHECK(m.label == NULL && m.is_anonymous);
	/* Not fingerprinted at all. */
	CHECK(parse("POST / HTTP/1.1\r\nHost: h\r\n\r\n"));
	CHECK(!p0f_http_match_request(&db, &req, &m));
	CHECK(!p0f_http_match_request(NULL, &req, &m));

	/* X-Pipe is named in the file, so p0f stops its value at '|';
	 * X-Resp only in [http:response], which also counts. */
	CHECK(parse("GET / HTTP/1.0\r\nHost: h\r\nX-Pipe: a|b\r\nX-Resp: c|d"
	    "\r\nX-Other: e|f\r\n\r\n"));
	CHECK(p0f_http_match_request(&db, &req, &m));
	CHECK_EQ_S(m.label, "Piper");
	p0f_http_request_sig(&req, &db, sig, sizeof(sig));
	CHECK_EQ_S(sig, "0:Host,X-Pipe=[a],X-Resp=[c],X-Other=[e|f]:User-Agent,"
	    "Connection,Accept,Accept-Encoding,Accept-Language,Accept-Charset,"
	    "Keep-Alive:");
	p0f_http_db_free(&db);
	p0f_http_db_free(&db);		/* idempotent */
	p0f_http_db_free(NULL);
}

static void
test_load_errors(void)
{
	static const struct {
		const char	*text;
		const char	*err;
	} bad[] = {
		{ "[http:request]\nsig = 1:Host::\n",
		    "b.fp:2: 'sig' without a label" },
		{ "[http:request]\nlabel = s:!:x:\nsig = 2:Host::\n",
		    "b.fp:3: bad HTTP version" },
		{ "[http:request]\nlabel = s:!:x:\nsig = 1:Host=x::\n",
		    "b.fp:3: missing '[' after '='" },
		{ "[http:request]\nlabel = s:!:x:\nsig = 1:Host=[]::\n",
		    "b.fp:3: malformed header value" },
		{ "[http:request]\nlabel = s:!:x:\nsig = 1:Host,,X::\n",
		    "b.fp:3: malformed header name" },
		{ "[http:request]\nlabel = s:!:x:\nsig = 1:Host::a:b\n",
		    "b.fp:3: malformed signature" },
		{ "[http:request]\nlabel = x:!:x:\n",
		    "b.fp:2: malformed label" },
		{ "\n\n[smtp:request]\n", "b.fp:3: unknown section [smtp:request]" },
		{ "[http:request]\nfoo = 1\n", "b.fp:2: unknown field 'foo'" },
		{ "[http:request]\n= 1\n", "b.fp:2: unexpected statement" },
	};
	struct p0f_http_db db;
	char many[1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ_U(p0f_http_load_mem(&db, bad[i].text,
		    strlen(bad[i].text), "b.fp", err, sizeof(err)), (uint64_t)-1);
		CHECK_EQ_S(err, bad[i].err);
		CHECK_EQ_U(db.n_sigs, 0);
	}
	size_t n = (size_t)snprintf(many, sizeof(many),
	    "[http:request]\nlabel = s:!:x:\nsig = 1:");
	for (int i = 0; i < 33; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "H%d,", i);
	snprintf(many + n - 1, sizeof(many) - n + 1, "::\n");
	CHECK_EQ_U(p0f_http_load_mem(&db, many, strlen(many), "b.fp", err,
	    sizeof(err)), (uint64_t)-1);
	CHECK_EQ_S(err, "b.fp:3: too many headers");
	CHECK_EQ_U(p0f_http_load(&db, "/nonexistent/p0f.fp", err, sizeof(err)),
	    (uint64_t)-1);
	CHECK(strstr(err, "/nonexistent/p0f.fp") != NULL);
}

/* The project's TCP test database, and p0f's own when installed. */
static void
test_real_files(void)
{
	struct p0f_http_db db;
	struct p0f_http_match m;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/p0f/test.fp",
	    test_srcdir());
	CHECK_EQ_U(p0f_http_load(&db, path, err, sizeof(err)), 0);
	CHECK_EQ_U(db.n_sigs, 1);
	p0f_http_db_free(&db);

	if ((f = fopen("/etc/p0f/p0f.fp", "r")) == NULL)
		return;			/* Debian's p0f not installed */
	/* Count "sig" lines of [http:request] independently. */
	char line[4096];
	unsigned want = 0;
	bool in = false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '[')
			in = strncmp(line, "[http:request]", 14) == 0;
		else if (in && strncmp(line, "sig", 3) == 0)
			want++;
	}
	fclose(f);
	CHECK_EQ_U(p0f_http_load(&db, "/etc/p0f/p0f.fp", err, sizeof(err)), 0);
	CHECK_EQ_S(err, "");
	CHECK_EQ_U(db.n_sigs, want);
	/* p0f 3.09b's "curl" signature wants User-Agent before Host. */
	CHECK(parse("GET / HTTP/1.1\r\nUser-Agent: curl/7.1\r\nHost: h\r\n"
	    "Accept: */*\r\n\r\n"));
	CHECK(p0f_http_match_request(&db, &req, &m));
	CHECK(m.label != NULL && strcmp(m.label, "curl") == 0);
	/* The fixtures' curl sends Host first: p0f logged app=???. */
	CHECK_EQ_U(http_parse_request(curl_get, sizeof(curl_get), &req, NULL),
	    HTTP_OK);
	CHECK(!p0f_http_match_request(&db, &req, &m));
	CHECK_EQ_S(ex(curl_get_expect, "p0f.app"), "???");
	p0f_http_db_free(&db);
}

int
main(void)
{
	test_fixture_sigs();
	test_sig_rules();
	test_match();
	test_load_errors();
	test_real_files();
	return test_done("test_p0f_http");
}

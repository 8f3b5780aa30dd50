/* tests/unit/test_rules.c: the signature database loader (every kind of
 * error with its FILE:LINE:COL), the lookups, the User-Agent parser on
 * User-Agents from pcaps/, and the verdict's checks. */
#include "sensor/rules.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzers/frag.h"
#include "sensor/verdict.h"
#include "tests/test.h"

#define GOOD_TLS \
	"version: \"t1\"\n" \
	"rules:\n" \
	"  - id: a\n" \
	"    ja4: t13d1517h2_8daaf6152771_cb7bf5808d99\n" \
	"    application: A\n" \
	"    family: a\n" \
	"    category: browser\n"

static char dir[64];

/* Write text to NAME in the scratch directory; returns its path. */
static const char *
put(const char *name, const char *text, size_t len)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL)
		return path;
	fwrite(text, 1, len, fp);
	fclose(fp);
	return path;
}

/* Load text as database db; the error must be PATH + want. */
static void
expect_error(enum rules_db db, const char *text, const char *want)
{
	char err[1024], full[1300];
	struct rules *r = rules_new();
	const char *path = put("x.yaml", text, strlen(text));
	int rc = rules_load_file(r, db, path, err, sizeof(err));

	snprintf(full, sizeof(full), "%s%s", path, want);
	CHECK(rc == -1);
	CHECK_EQ_S(rc == -1 ? err : "(loaded)", full);
	rules_free(r);
	unlink(path);
}

static void
test_errors(void)
{
	expect_error(RULES_TLS, GOOD_TLS "    colour: red\n",
	    ":8:5: colour: unknown key");
	expect_error(RULES_TLS, "version: \"1\"\nrules:\n  - id: a\n"
	    "    ja4: t13d1517h2_8daaf6152771_cb7bf5808d99\n"
	    "    application: [x, y]\n    family: a\n    category: tool\n",
	    ":5:18: application: expected a string");
	expect_error(RULES_TLS, "version: \"1\"\nrules:\n  - id: a\n"
	    "    ja4: t13d1517h2_8daaf6152771_cb7bf5808d99\n"
	    "    application: A\n    category: tool\n",
	    ":3:5: family: missing");
	expect_error(RULES_TLS, GOOD_TLS "  - id: a\n"
	    "    ja3: 0149f47eabf9a20d0893e2a44e5a6323\n"
	    "    application: B\n    family: b\n    category: tool\n",
	    ":8:5: id: duplicate of rule 'a'");
	expect_error(RULES_TLS, GOOD_TLS "  - id: b\n"
	    "    ja4: t13d1517h2_8daaf6152771_cb7bf5808d99\n"
	    "    application: B\n    family: b\n    category: tool\n",
	    ":8:5: ja4: duplicate of rule 'a'");
	expect_error(RULES_TLS, "version: \"1\"\nrules:\n  - id: a\n"
	    "    ja4: t13d_nonsense\n    application: A\n    family: a\n"
	    "    category: tool\n",
	    ":4:10: ja4: bad pattern: not a JA4 (a_b_c, 10+12+12 "
	    "characters)");
	expect_error(RULES_TLS, "version: \"1\"\nrules:\n  - id: a\n"
	    "    application: A\n    family: a\n    category: tool\n",
	    ":3:5: ja4: give ja4 or ja3 (one)");
	expect_error(RULES_TLS, "version: \"1\"\nrules:\n  - id: a\n"
	    "    ja3: 0149f47eabf9a20d0893e2a44e5a6323\n"
	    "    application: A\n    family: a\n    category: spaceship\n",
	    ":7:15: category: bad category (browser, tool, library, bot, "
	    "mobile, other)");
	expect_error(RULES_TLS, "rules: []\n", ":1:1: version: missing");
	expect_error(RULES_TLS, "version: \"1\"\nrulez: []\n",
	    ":2:1: rulez: unknown key");
	expect_error(RULES_TLS, "version: \"1\"\nrules: {a: 1}\n",
	    ":2:8: rules: expected a sequence of rules");
	expect_error(RULES_UA, "version: \"1\"\nbrowsers:\n  - id: x\n"
	    "    token: \"\"\n    browser: X\n    family: x\n"
	    "    category: browser\n",
	    ":4:12: token: bad pattern: a token is 1-64 printable "
	    "characters");
	expect_error(RULES_TCP, "version: \"1\"\nrules:\n  - id: t\n"
	    "    sig: \"4:64:0\"\n    os: linux\n",
	    ":4:10: sig: bad pattern: not a p0f signature (8 fields, ':')");
	expect_error(RULES_HTTP, "version: \"1\"\nrules:\n  - id: h\n"
	    "    header_order: D147CDE14838E98A\n    application: c\n"
	    "    family: c\n    category: tool\n",
	    ":4:19: header_order: bad pattern: not a header order (16 "
	    "lower-case hex digits)");
	expect_error(RULES_TLS, "version: \"1\"\nrules:\n  - id: a\n"
	    "    id: b\n", ":4:5: id: duplicate key");
	expect_error(RULES_TLS, "version: \"1\"\nrules:\n  - [a]\n",
	    ":3:5: a rule must be a mapping");
}

/* Bad input: truncated YAML, junk, empty, huge values; one message, no
 * crash. */
static void
test_bad_input(void)
{
	char big[20000], err[1024];
	const char *p;
	struct rules *r;

	expect_error(RULES_TLS, "", ":1:1: empty database");
	expect_error(RULES_TLS, "version: \"1\"\nrules:\n  - id: [a\n",
	    ":4:1: did not find expected ',' or ']' while parsing a flow "
	    "sequence");
	expect_error(RULES_TLS, "- a\n- b\n",
	    ":1:1: expected a mapping (version, rules)");
	/* Binary junk: libyaml refuses it with a position. */
	for (size_t i = 0; i < 4096; i++)
		big[i] = (char)(i * 131 + 7);
	p = put("junk.yaml", big, 4096);
	r = rules_new();
	CHECK(rules_load_file(r, RULES_TLS, p, err, sizeof(err)) == -1);
	CHECK(strncmp(err, p, strlen(p)) == 0 && err[strlen(p)] == ':');
	rules_free(r);
	unlink(p);
	/* A huge value. */
	snprintf(big, sizeof(big), "version: \"1\"\nrules:\n  - id: a\n"
	    "    ja3: 0149f47eabf9a20d0893e2a44e5a6323\n"
	    "    application: %0*d\n    family: a\n    category: tool\n",
	    15000, 0);
	expect_error(RULES_TLS, big,
	    ":5:18: application: bad text (1-128 printable characters)");
	/* Missing file, missing directory, unknown database. */
	r = rules_new();
	CHECK(rules_load_file(r, RULES_TLS, "/nonexistent/tls.yaml", err,
	    sizeof(err)) == -1);
	CHECK_EQ_S(err, "/nonexistent/tls.yaml: No such file or directory");
	rules_free(r);
	CHECK(rules_load_dir("/nonexistent", err, sizeof(err)) == NULL);
	p = put("other.yaml", GOOD_TLS, strlen(GOOD_TLS));
	CHECK(rules_load_dir(dir, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "other.yaml: unknown database") != NULL);
	unlink(p);
	CHECK(rules_load_dir(dir, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "no *.yaml signature database") != NULL);
}

static struct rules *
load_project(void)
{
	char path[1024], err[1024];
	struct rules *r;

	snprintf(path, sizeof(path), "%s/rules", test_srcdir());
	r = rules_load_dir(path, err, sizeof(err));
	if (r == NULL)
		fprintf(stderr, "%s\n", err);
	return r;
}

static void
test_project_rules(const struct rules *r)
{
	const struct rules_client *c;
	const struct rules_tcp *t;

	for (int d = 0; d < RULES_N_DB; d++)
		CHECK(r->version[d] != NULL);
	c = rules_tls_find(r, "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6", 36,
	    NULL, 0);
	CHECK(c != NULL && strcmp(c->family, "curl") == 0);
	CHECK(rules_tls_find(r, "t13d0000h2_000000000000_000000000000", 36,
	    NULL, 0) == NULL);
	c = rules_http_find(r, "d147cde14838e98a", 16);
	CHECK(c != NULL && strcmp(c->id, "http-curl") == 0);
	t = rules_tcp_find(r, "4:64+0:0:1460:mss*44,10:mss,sok,ts,nop,ws:"
	    "df,id+:0");
	CHECK(t != NULL && strcmp(t->os, "linux") == 0);
	/* Seen 6 hops away: the same initial TTL. */
	t = rules_tcp_find(r, "4:58+6:0:1460:mss*44,10:mss,sok,ts,nop,ws:"
	    "df,id+:0");
	CHECK(t != NULL && strcmp(t->id, "tcp-linux-eth") == 0);
	/* Windows: any MSS. */
	t = rules_tcp_find(r, "4:120+8:0:1380:64240,8:mss,nop,ws,nop,nop,"
	    "sok:df,id+:0");
	CHECK(t != NULL && strcmp(t->os, "windows") == 0);
}

static void
ua(const struct rules *r, const char *s, const char *browser,
    const char *version, const char *os)
{
	struct rules_ua_claim c;

	rules_ua_parse(r, s, strlen(s), &c);
	CHECK_EQ_S(c.browser ? c.browser->browser : "-", browser);
	CHECK_EQ_S(c.version, version);
	CHECK_EQ_S(c.os ? c.os->os : "-", os);
}

/* User-Agents as pcaps/ holds them. */
static void
test_useragents(const struct rules *r)
{
	ua(r, "curl/7.88.1", "curl", "7.88.1", "-");
	ua(r, "Wget/1.21.3", "Wget", "1.21.3", "-");
	ua(r, "Python-urllib/3.11", "Python urllib", "3.11", "-");
	ua(r, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
	    "like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
	    "Chrome Headless", "156.0.0", "linux");
	ua(r, "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 "
	    "Firefox/153.0", "Firefox", "153.0", "linux");
	ua(r, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome",
	    "124.0.0", "windows");
	ua(r, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
	    "Safari/605.1.15", "Safari", "17.4", "macos");
	ua(r, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 "
	    "Edg/124.0.2478.51", "Edge", "124.0.2478", "windows");
	ua(r, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
	    "Chrome", "124.0.0", "android");
	ua(r, "", "-", "", "-");
	ua(r, "Chrome/", "Chrome", "", "-");
}

static void
set(struct ev_str *e, const char *s)
{
	ev_str_set(e, s, strlen(s));
}

/* The checks on evidence as the analyzers give it. */
static void
test_verdict_checks(const struct rules *r)
{
	struct verdict_ctx v;
	struct evidence ev;
	struct verdict vd;
	struct flow f;

	CHECK(verdict_ctx_init(&v, 16, 600000000, 1) == 0);
	v.rules = r;
	memset(&f, 0, sizeof(f));
	f.id = 1;
	f.last_us = 1000000;
	f.key.ip_version = 4;
	/* curl claiming Chrome on Windows, plain HTTP. */
	memset(&ev, 0, sizeof(ev));
	ev.have = EV_TCP | EV_HTTP;
	snprintf(ev.tcp_sig, sizeof(ev.tcp_sig), "4:64+0:0:1460:mss*44,10:"
	    "mss,sok,ts,nop,ws:df,id+:0");
	set(&ev.header_order, "d147cde14838e98a");
	set(&ev.user_agent, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
	    "Safari/537.36");
	CHECK(verdict_eval(&v, &ev, &f, &vd));
	CHECK_EQ_U(vd.check[VERDICT_UA_VS_HTTP], VERDICT_INCONSISTENT);
	CHECK_EQ_U(vd.check[VERDICT_UA_VS_TCP_OS], VERDICT_INCONSISTENT);
	CHECK_EQ_U(vd.check[VERDICT_UA_VS_TLS], VERDICT_UNKNOWN);
	CHECK(vd.is_spoof);
	CHECK_EQ_U(vd.score_milli, 955);
	CHECK_EQ_S(vd.reason[VERDICT_UA_VS_HTTP], "user-agent claims chrome "
	    "but header order is curl");
	verdict_remember(&v, &vd, &f);
	/* Its next flow, HTTPS: the claim comes from flow 1. */
	f.id = 2;
	memset(&ev, 0, sizeof(ev));
	ev.have = EV_TCP | EV_TLS;
	snprintf(ev.tcp_sig, sizeof(ev.tcp_sig), "4:64+0:0:1460:mss*44,10:"
	    "mss,sok,ts,nop,ws:df,id+:0");
	set(&ev.ja4, "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6");
	CHECK(verdict_eval(&v, &ev, &f, &vd));
	/* The same SYN signature as flow 1: its rule from the cache. */
	CHECK_EQ_U(v.n_tcp_lookups, 2);
	CHECK_EQ_U(v.n_tcp_hits, 1);
	CHECK_EQ_S(vd.os.rule, "tcp-linux-eth");
	CHECK_EQ_U(vd.claim.from_flow, 1);
	CHECK_EQ_U(vd.check[VERDICT_UA_VS_TLS], VERDICT_INCONSISTENT);
	CHECK(vd.is_spoof);
	CHECK_EQ_S(vd.reason[VERDICT_UA_VS_TLS], "user-agent claims chrome "
	    "(flow 1) but TLS stack is curl");
	/* A Firefox flow on the same host: the claim is curl's, not tied to
	 * Firefox's TLS stack, so it is not used. */
	f.id = 3;
	set(&ev.ja4, "t13d1617h2_86a278354501_3cbfd9057e0d");
	CHECK(verdict_eval(&v, &ev, &f, &vd));
	CHECK(!vd.claim.is_set);
	CHECK_EQ_U(vd.check[VERDICT_UA_VS_TLS], VERDICT_UNKNOWN);
	CHECK(!vd.is_spoof);
	CHECK_EQ_U(vd.score_milli, 0);
	/* Genuine Firefox over HTTP. */
	f.id = 4;
	memset(&ev, 0, sizeof(ev));
	ev.have = EV_HTTP;
	set(&ev.header_order, "e89006e463cd3ff1");
	set(&ev.user_agent, "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) "
	    "Gecko/20100101 Firefox/153.0");
	CHECK(verdict_eval(&v, &ev, &f, &vd));
	CHECK_EQ_U(vd.check[VERDICT_UA_VS_HTTP], VERDICT_CONSISTENT);
	CHECK(!vd.is_spoof);
	CHECK_EQ_U(v.n_verdicts, 4);
	CHECK_EQ_U(v.n_spoof, 2);
	CHECK_EQ_U(v.n_consistent, 1);
	CHECK_EQ_U(v.n_unknown, 1);
	/* No evidence, or no rules: no verdict. */
	memset(&ev, 0, sizeof(ev));
	CHECK(!verdict_eval(&v, &ev, &f, &vd));
	v.rules = NULL;
	ev.have = EV_TCP;
	CHECK(!verdict_eval(&v, &ev, &f, &vd));
	CHECK_EQ_S(verdict_p0f_family("Linux 3.11 and newer"), "linux");
	CHECK(verdict_p0f_family("Nintendo 3DS") == NULL);
	verdict_ctx_free(&v);
}

/* The TCP rule cache: the rule a signature finds is the rule
 * rules_tcp_find() gives, found again for the same signature, looked up
 * again for another set of rules (a reload). */
static void
test_tcp_cache(const struct rules *r)
{
	static const char *const sigs[] = {
		"4:64+0:0:1460:mss*44,10:mss,sok,ts,nop,ws:df,id+:0",
		"4:128+0:0:1460:mss*44,10:mss,sok,ts,nop,ws:df,id+:0",
		"6:64+0:0:1440:mss*45,7:mss,sok,ts,nop,ws::0",
		"4:64+0:0:1460:65535,6:mss,nop,ws,nop,nop,ts,sok,eol+1:df:0",
		"not a signature",
	};
	struct rules *r2 = load_project();
	struct verdict_ctx v;
	struct evidence ev;
	struct verdict vd;
	struct flow f;

	CHECK(verdict_ctx_init(&v, 0, 0, 1) == 0);
	memset(&f, 0, sizeof(f));
	f.key.ip_version = 4;
	for (int round = 0; round < 3; round++) {
		/* Rounds 0 and 1 with r (misses, then hits), 2 with r2. */
		v.rules = round < 2 ? r : r2;
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			const struct rules_tcp *t = rules_tcp_find(v.rules,
			    sigs[i]);
			uint64_t hits = v.n_tcp_hits;

			memset(&ev, 0, sizeof(ev));
			ev.have = EV_TCP;
			snprintf(ev.tcp_sig, sizeof(ev.tcp_sig), "%s",
			    sigs[i]);
			(void)verdict_eval(&v, &ev, &f, &vd);
			if (t != NULL)
				CHECK_EQ_S(vd.os.rule, t->id);
			else
				CHECK(!vd.os.is_set);
			CHECK_EQ_U(v.n_tcp_hits - hits, round == 1);
		}
	}
	verdict_ctx_free(&v);
	rules_free(r2);
}

/* Evidence borrowed from a rendered fragment: only strings written as
 * they are (nothing escaped) are found again. */
static void
test_frag_ref(void)
{
	static const char *const vals[] = { "curl/7.88.1", "a\"b", "x\\",
	    "say \"hi\":\"", "\x01z", "", "caf\xc3\xa9" };
	static const bool plain[] = { true, false, false, false, false, false,
	    true };
	char buf[512];
	struct json j;
	struct frag_ref r;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		size_t n = strlen(vals[i]);

		json_init_members(&j, buf, sizeof(buf));
		json_str(&j, "k", "first");
		json_str(&j, "user_agent", vals[i]);
		frag_ref_last(&j, n, &r);
		CHECK_EQ_U(r.len != 0, plain[i]);
		if (r.len != 0)
			CHECK(r.len == n && memcmp(buf + r.off, vals[i], n) == 0);
		json_arr_open(&j, "alpn");
		json_str(&j, NULL, vals[i]);
		frag_ref_last(&j, n, &r);
		CHECK_EQ_U(r.len != 0, plain[i]);
		json_arr_close(&j);
	}
}

/* The client table: bounded, least recent forgotten, window, own flow
 * never counted. */
static void
test_clients(void)
{
	struct clients c;
	struct client_fact x[CLIENT_N_KIND];
	uint8_t a[3][16] = { { 1 }, { 2 }, { 3 } };
	const struct client_entry *e;

	CHECK(clients_init(&c, 2, 1000000, 5) == 0);
	memset(x, 0, sizeof(x));
	x[CLIENT_TCP].ts_us = 10;
	x[CLIENT_TCP].flow_id = 1;
	snprintf(x[CLIENT_TCP].family, sizeof(x[CLIENT_TCP].family), "linux");
	clients_update(&c, 4, a[0], x);
	clients_update(&c, 4, a[1], x);
	CHECK(clients_find(&c, 4, a[0]) != NULL);
	clients_update(&c, 4, a[0], x);		/* a[0] most recent again */
	clients_update(&c, 4, a[2], x);		/* evicts a[1] */
	CHECK_EQ_U(c.n_evicted, 1);
	CHECK(clients_find(&c, 4, a[1]) == NULL);
	CHECK(clients_find(&c, 6, a[0]) == NULL);
	e = clients_find(&c, 4, a[0]);
	CHECK(e != NULL);
	CHECK(clients_fact(&c, e, CLIENT_TCP, 500, 2) != NULL);
	CHECK(clients_fact(&c, e, CLIENT_TCP, 500, 1) == NULL);
	CHECK(clients_fact(&c, e, CLIENT_TCP, 2000000, 2) == NULL);
	CHECK(clients_fact(&c, e, CLIENT_TLS, 500, 2) == NULL);
	clients_free(&c);
	CHECK(clients_init(&c, 0, 1, 1) == 0);
	clients_update(&c, 4, a[0], x);
	CHECK(clients_find(&c, 4, a[0]) == NULL);
	clients_free(&c);
}

/* A ClientHello known by its JA3 only: the verdict says so. */
static void
test_ja3_verdict(void)
{
	static const char text[] = "version: \"j1\"\nrules:\n  - id: j\n"
	    "    ja3: 0149f47eabf9a20d0893e2a44e5a6323\n"
	    "    application: J\n    family: j\n    category: tool\n";
	char err[512], buf[4096];
	struct rules *r = rules_new();
	struct verdict_ctx v;
	struct evidence ev;
	struct verdict vd;
	struct flow f;
	struct json j;
	const char *path = put("tls.yaml", text, sizeof(text) - 1);

	CHECK(rules_load_file(r, RULES_TLS, path, err, sizeof(err)) == 0);
	unlink(path);
	CHECK(verdict_ctx_init(&v, 0, 0, 1) == 0);
	v.rules = r;
	memset(&f, 0, sizeof(f));
	f.id = 7;
	memset(&ev, 0, sizeof(ev));
	ev.have = EV_TLS;
	set(&ev.ja4, "t13d0000h2_000000000000_000000000000");
	set(&ev.ja3_hash, "0149f47eabf9a20d0893e2a44e5a6323");
	CHECK(verdict_eval(&v, &ev, &f, &vd));
	json_init(&j, buf, sizeof(buf));
	json_obj_open(&j, NULL);
	verdict_json(&v, &vd, &j);
	json_obj_close(&j);
	CHECK(json_finish(&j) > 0);
	CHECK(strstr(buf, "\"fields\":[\"tls.ja3_hash\"]") != NULL);
	CHECK(strstr(buf, "\"versions\":{\"tls\":\"j1\"}") != NULL);
	CHECK(strstr(buf, "\"rule\":\"j\",\"application\":\"J\"") != NULL);
	verdict_ctx_free(&v);
	rules_free(r);
}

int
main(void)
{
	struct rules *r;

	snprintf(dir, sizeof(dir), "test_rules.%ld", (long)getpid());
	if (mkdir(dir, 0700) != 0) {
		perror(dir);
		return 99;
	}
	test_errors();
	test_bad_input();
	test_ja3_verdict();
	test_clients();
	test_frag_ref();
	rmdir(dir);
	if ((r = load_project()) == NULL) {
		CHECK(!"rules/ loads");
		return test_done("test_rules");
	}
	test_project_rules(r);
	test_useragents(r);
	test_verdict_checks(r);
	test_tcp_cache(r);
	rules_free(r);
	return test_done("test_rules");
}

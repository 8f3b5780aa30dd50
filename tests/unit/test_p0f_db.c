/* tests/unit/test_p0f_db.c: p0f.fp loading and p0f's matching rules. */
#include "analyzers/p0f_db.h"

#include "tests/test.h"

static char path[1024];

static const char *
fixture(const char *name)
{
	snprintf(path, sizeof(path), "%s/tests/fixtures/p0f/%s", test_srcdir(),
	    name);
	return path;
}

/* A Linux SYN: mss 1460, window mss*20, ws 7, df id+. */
static struct tcp_sig
linux_syn(uint8_t ttl)
{
	struct tcp_sig s;
	const uint8_t layout[] = { TCPOPT_MSS, TCPOPT_SACKOK, TCPOPT_TS,
	    TCPOPT_NOP, TCPOPT_WS };

	memset(&s, 0, sizeof(s));
	s.ip_version = 4;
	s.ttl = ttl;
	s.mss = 1460;
	s.win = 1460 * 20;
	s.wscale = 7;
	s.ts1 = 1;
	s.tot_hdr = 60;
	s.n_opts = sizeof(layout);
	memcpy(s.layout, layout, sizeof(layout));
	s.quirks = TCP_QUIRK_DF | TCP_QUIRK_NZ_ID;
	return s;
}

static void
test_load(void)
{
	char err[512];
	struct p0f_db *db = p0f_db_load(fixture("test.fp"), err, sizeof(err));

	if (!CHECK(db != NULL)) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_EQ_U(db->n_tcp[0], 5);
	CHECK_EQ_U(db->n_tcp[1], 1);
	CHECK_EQ_U(db->n_labels, 5);
	CHECK_EQ_U(db->n_http_lines, 2);
	CHECK_EQ_S(p0f_db_mtu_link(db, 1500), "Ethernet or modem");
	CHECK(p0f_db_mtu_link(db, 1400) == NULL);
	p0f_db_free(db);
	p0f_db_free(NULL);
}

static void
test_match(void)
{
	char err[512], buf[128];
	struct p0f_db *db = p0f_db_load(fixture("test.fp"), err, sizeof(err));
	struct p0f_match m;
	struct tcp_sig s;

	if (!CHECK(db != NULL))
		return;
	/* Exact, 3 hops away. */
	s = linux_syn(61);
	p0f_db_match_tcp(db, &s, 0, &m);
	CHECK(m.entry != NULL && !m.fuzzy && !m.label->generic);
	CHECK_EQ_U(m.dist, 3);
	p0f_label_str(m.label, buf, sizeof(buf));
	CHECK_EQ_S(buf, "Linux 3.11 and newer");
	p0f_match_params(&m, &s, buf, sizeof(buf));
	CHECK_EQ_S(buf, "none");

	/* Another window falls to the generic signature. */
	s.win = 29200 + 1;
	p0f_db_match_tcp(db, &s, 0, &m);
	CHECK(m.entry != NULL && m.label->generic && !m.fuzzy);
	p0f_label_str(m.label, buf, sizeof(buf));
	CHECK_EQ_S(buf, "Linux");
	p0f_match_params(&m, &s, buf, sizeof(buf));
	CHECK_EQ_S(buf, "generic");

	/* df gone: fuzzy. */
	s = linux_syn(64);
	s.quirks = TCP_QUIRK_NZ_ID;
	p0f_db_match_tcp(db, &s, 0, &m);
	CHECK(m.entry != NULL && m.fuzzy);
	p0f_match_params(&m, &s, buf, sizeof(buf));
	CHECK_EQ_S(buf, "fuzzy");

	/* A quirk appearing that is not id-/ecn: no match; dist guessed. */
	s = linux_syn(50);
	s.quirks |= TCP_QUIRK_PUSH;
	p0f_db_match_tcp(db, &s, 0, &m);
	CHECK(m.entry == NULL);
	CHECK_EQ_U(m.dist, 14);

	/* Userland tool with a random TTL ("64-"): matched, exact. */
	memset(&s, 0, sizeof(s));
	s.ip_version = 4;
	s.ttl = 40;
	s.mss = 1460;
	s.win = 1024;
	s.n_opts = 1;
	s.layout[0] = TCPOPT_MSS;
	p0f_db_match_tcp(db, &s, 0, &m);
	CHECK(m.entry != NULL && m.label->is_userland && m.entry->bad_ttl);
	p0f_match_params(&m, &s, buf, sizeof(buf));
	CHECK_EQ_S(buf, "random_ttl");

	/* SYN+ACK: window as a multiple of the MSS. */
	memset(&s, 0, sizeof(s));
	s.ip_version = 6;
	s.ttl = 64;
	s.mss = 1440;
	s.win = 14400;
	s.n_opts = 1;
	s.layout[0] = TCPOPT_MSS;
	s.is_synack = true;
	/* "*" signatures drop IPv4-only quirks (df) for IPv6 packets. */
	p0f_db_match_tcp(db, &s, 1460, &m);
	CHECK(m.entry != NULL && !m.fuzzy);
	s.quirks = TCP_QUIRK_DF;		/* impossible on IPv6 */
	p0f_db_match_tcp(db, &s, 1460, &m);
	CHECK(m.entry == NULL);
	p0f_db_free(db);
}

static void
test_bad_files(void)
{
	static const struct {
		const char *file;
		const char *where;
	} cases[] = {
		{ "bad_quirk.fp", "bad_quirk.fp:4: unknown quirk 'bogus'" },
		{ "bad_nolabel.fp", "bad_nolabel.fp:3: sig before any label" },
		{ "bad_class.fp", "bad_class.fp:3: unknown class 'beos'" },
		{ "bad_ttl.fp", "bad_ttl.fp:5: bad initial TTL" },
		{ "bad_section.fp", "bad_section.fp:2: unknown section" },
		{ "bad_v6_df.fp", "bad_v6_df.fp:4: quirk 'df' is IPv4 only" },
		{ "bad_binary.fp", "bad_binary.fp:1: NUL byte" },
		{ "missing.fp", "missing.fp: No such file" },
	};
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct p0f_db *db = p0f_db_load(fixture(cases[i].file), err,
		    sizeof(err));

		CHECK(db == NULL);
		if (!CHECK(strstr(err, cases[i].where) != NULL))
			fprintf(stderr, "  got: %s\n", err);
		p0f_db_free(db);
	}
}

int
main(void)
{
	test_load();
	test_match();
	test_bad_files();
	return test_done("test_p0f_db");
}

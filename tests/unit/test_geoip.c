/* tests/unit/test_geoip.c: GeoIP databases, cache and reload.
 *
 * Run by tests/geoip.sh, which builds the databases first:
 *   test_geoip check DIR      unit checks on DIR/{city,city2,asn}.mmdb
 *                             (tests/fixtures/geoip/make_mmdb.pl) and
 *                             the damaged copies geoip.sh put beside them
 *   test_geoip lookup KIND DB addresses on stdin, one per line; prints
 *                             "addr country city lat lon asn org" (TSV,
 *                             empty when unknown, "ERROR" on failure) */
#include "sensor/geoip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "tests/test.h"

static int
parse_addr(const char *s, uint8_t addr[16], uint8_t *ip_version)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*ip_version = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*ip_version = 6;
		return 0;
	}
	return -1;
}

static int
lookup(const struct geoip *g, const char *s, struct geoip_result *r)
{
	uint8_t addr[16], v;

	if (parse_addr(s, addr, &v) != 0)
		return -2;
	return geoip_lookup(g, v, addr, r);
}

static void
path_in(char *dst, size_t dstsz, const char *dir, const char *name)
{
	snprintf(dst, dstsz, "%s/%s", dir, name);
}

static void
check_lookups(const char *dir)
{
	struct geoip_settings s = { { NULL, NULL }, { false, false }, 0 };
	char city[512], asn[512], err[512];
	struct geoip g;
	struct geoip_result r;

	path_in(city, sizeof(city), dir, "city.mmdb");
	path_in(asn, sizeof(asn), dir, "asn.mmdb");
	s.path[GEOIP_CITY] = city;
	s.path[GEOIP_ASN] = asn;
	CHECK(geoip_open(&g, &s, err, sizeof(err)) == 0);
	CHECK(geoip_is_active(&g));

	CHECK(lookup(&g, "192.0.2.10", &r) == 1);
	CHECK_EQ_S(r.country, "JP");
	CHECK_EQ_S(r.city, "Tokyo");
	CHECK(r.has_location);
	CHECK_EQ_U(r.lat_e4, 356895);
	CHECK_EQ_U(r.lon_e4, 1396917);
	CHECK_EQ_U(r.accuracy_km, 50);
	CHECK_EQ_U(r.asn, 64496);
	CHECK_EQ_S(r.as_org, "Example Documentation Net One");

	CHECK(lookup(&g, "203.0.113.200", &r) == 1);
	CHECK_EQ_S(r.city, "S\xc3\xa3o Paulo");		/* UTF-8 kept */
	CHECK(r.lat_e4 == -235505 && r.lon_e4 == -466333);
	CHECK_EQ_S(r.as_org, "R\xc3\xa9seau de Documentation");

	CHECK(lookup(&g, "2001:db8:1::20", &r) == 1);
	CHECK_EQ_S(r.country, "NZ");
	CHECK_EQ_S(r.city, "Wellington");
	CHECK_EQ_U(r.asn, 64499);

	/* Outside every network: nothing, and the result is cleared. */
	CHECK(lookup(&g, "127.0.0.1", &r) == 0);
	CHECK(r.country[0] == '\0' && r.city[0] == '\0' && !r.has_location &&
	    r.asn == 0 && r.as_org[0] == '\0');
	CHECK(lookup(&g, "2001:db9::1", &r) == 0);
	geoip_close(&g);
	CHECK(!geoip_is_active(&g));
	geoip_close(&g);			/* twice is harmless */

	/* Only one kind given: only its fields. */
	s.path[GEOIP_CITY] = NULL;
	CHECK(geoip_open(&g, &s, err, sizeof(err)) == 0);
	CHECK(lookup(&g, "198.51.100.7", &r) == 1);
	CHECK(r.country[0] == '\0' && r.asn == 64497);
	geoip_close(&g);
}

/* Bad files: each fails to open with its name and the reason in err. */
static void
check_bad_files(const char *dir)
{
	static const struct {
		const char	*name;
		int		 kind;
		const char	*why;
	} bad[] = {
		{ "asn.mmdb", GEOIP_CITY, "database type 'fpsensor-Test-ASN' "
		    "is not a City or Country database" },
		{ "city.mmdb", GEOIP_ASN, "database type 'fpsensor-Test-City' "
		    "is not an ASN or ISP database" },
		{ "missing.mmdb", GEOIP_CITY, "No such file or directory" },
		{ "empty.mmdb", GEOIP_CITY, "not a valid MaxMind DB" },
		{ "truncated.mmdb", GEOIP_CITY, "not a valid MaxMind DB" },
		{ "badtree.mmdb", GEOIP_CITY, "corrupt MaxMind DB: search tree" },
		{ "baddata.mmdb", GEOIP_ASN, "corrupt MaxMind DB: data record" },
		{ "text.mmdb", GEOIP_ASN, "not a valid MaxMind DB" },
	};
	char path[512], err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct geoip_db *db;

		path_in(path, sizeof(path), dir, bad[i].name);
		err[0] = '\0';
		db = geoip_db_open(path, (enum geoip_kind)bad[i].kind, err,
		    sizeof(err));
		CHECK(db == NULL);
		geoip_db_free(db);
		if (!CHECK(strstr(err, path) != NULL &&
		    strstr(err, bad[i].why) != NULL))
			fprintf(stderr, "  %s: got \"%s\"\n", bad[i].name, err);
	}
	path_in(path, sizeof(path), dir, "");
	CHECK(geoip_db_open(path, GEOIP_CITY, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "Is a directory") != NULL);
}

/* geoip_open() is all or nothing; a path that may be absent
 * (absent_ok) and is gives a warning and no database. */
static void
check_open_rules(const char *dir)
{
	struct geoip_settings s = { { NULL, NULL }, { false, false }, 0 };
	char city[512], bad[512], err[512];
	struct geoip g;

	path_in(city, sizeof(city), dir, "city.mmdb");
	path_in(bad, sizeof(bad), dir, "truncated.mmdb");
	s.path[GEOIP_CITY] = city;
	s.path[GEOIP_ASN] = bad;
	CHECK(geoip_open(&g, &s, err, sizeof(err)) == -1);
	CHECK(!geoip_is_active(&g));		/* city was not kept */
	CHECK(strstr(err, "truncated.mmdb") != NULL);

	path_in(bad, sizeof(bad), dir, "absent.mmdb");
	s.path[GEOIP_ASN] = bad;
	s.absent_ok[GEOIP_ASN] = true;
	CHECK(geoip_open(&g, &s, err, sizeof(err)) == 0);
	CHECK(geoip_is_active(&g));
	geoip_close(&g);
	s.absent_ok[GEOIP_ASN] = false;
	CHECK(geoip_open(&g, &s, err, sizeof(err)) == -1);
	CHECK(strstr(err, "absent.mmdb: No such file") != NULL);
}

/* Hot reload: a bad file keeps the last good database, a good one
 * replaces it, and cached answers follow the swap. */
static void
check_reload(const char *dir)
{
	struct geoip_settings s = { { NULL, NULL }, { false, false }, 0 };
	char city[512], city2[512], path[512], err[512];
	static const char *const bad[] = { "truncated.mmdb", "asn.mmdb",
		"missing.mmdb", "badtree.mmdb" };
	struct geoip_cache c;
	const struct geoip_result *r;
	struct geoip g;
	uint8_t addr[16], v;

	path_in(city, sizeof(city), dir, "city.mmdb");
	path_in(city2, sizeof(city2), dir, "city2.mmdb");
	s.path[GEOIP_CITY] = city;
	CHECK(geoip_open(&g, &s, err, sizeof(err)) == 0);
	CHECK(geoip_cache_init(&c, 16) == 0);
	parse_addr("192.0.2.10", addr, &v);
	r = geoip_lookup_cached(&g, &c, v, addr);
	CHECK(r != NULL && strcmp(r->city, "Tokyo") == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path_in(path, sizeof(path), dir, bad[i]);
		CHECK(geoip_reload(&g, GEOIP_CITY, path, err,
		    sizeof(err)) == -1);
		CHECK(strstr(err, bad[i]) != NULL);
		r = geoip_lookup_cached(&g, &c, v, addr);
		CHECK(r != NULL && strcmp(r->city, "Tokyo") == 0);
		CHECK(geoip_db_type(atomic_load(&g.db[GEOIP_CITY])) != NULL);
	}
	/* The failed reloads swapped nothing: still cache hits. */
	CHECK_EQ_U(c.n_misses, 1);
	CHECK_EQ_U(c.n_hits, 4);
	CHECK(geoip_reload(&g, GEOIP_CITY, city2, err, sizeof(err)) == 0);
	r = geoip_lookup_cached(&g, &c, v, addr);
	CHECK(r != NULL && strcmp(r->city, "Paris") == 0 &&
	    strcmp(r->country, "FR") == 0);
	CHECK_EQ_U(c.n_misses, 2);
	parse_addr("198.51.100.1", addr, &v);
	r = geoip_lookup_cached(&g, &c, v, addr);
	CHECK(r != NULL && strcmp(r->city, "Berlin") == 0);
	geoip_cache_free(&c);
	geoip_close(&g);
}

/* The cache is bounded: many addresses in a small cache all answer right,
 * the second pass over a set that fits is all hits. */
static void
check_cache(const char *dir)
{
	struct geoip_settings s = { { NULL, NULL }, { false, false }, 0 };
	char asn[512], err[512];
	struct geoip_cache c;
	const struct geoip_result *r;
	struct geoip g;
	uint8_t addr[16] = { 192, 0, 2, 0 };
	int wrong = 0;

	path_in(asn, sizeof(asn), dir, "asn.mmdb");
	s.path[GEOIP_ASN] = asn;
	CHECK(geoip_open(&g, &s, err, sizeof(err)) == 0);
	CHECK(geoip_cache_init(&c, 64) == 0);
	CHECK_EQ_U(c.set_mask + 1, 64 / GEOIP_CACHE_WAYS);
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < 256; i++) {
			addr[2] = (uint8_t)(i & 1 ? 2 : 3);	/* in, out */
			addr[3] = (uint8_t)i;
			r = geoip_lookup_cached(&g, &c, 4, addr);
			if ((i & 1) ? r == NULL || r->asn != 64496 :
			    r != NULL)
				wrong++;
		}
	CHECK_EQ_U(wrong, 0);
	CHECK_EQ_U(c.n_hits + c.n_misses, 3 * 256);
	CHECK(c.n_misses > 256);		/* 256 addresses, 64 slots */
	c.n_hits = c.n_misses = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < 8; i++) {
			addr[2] = 2;
			addr[3] = (uint8_t)i;
			(void)geoip_lookup_cached(&g, &c, 4, addr);
		}
	CHECK(c.n_misses <= 8 && c.n_hits >= 8);
	CHECK_EQ_U(c.n_errors, 0);
	geoip_cache_free(&c);
	geoip_close(&g);
}

static int
run_lookup(const char *kind, const char *path)
{
	struct geoip_settings s = { { NULL, NULL }, { false, false }, 0 };
	char line[256], err[512];
	struct geoip_result r;
	struct geoip g;

	s.path[strcmp(kind, "asn") == 0 ? GEOIP_ASN : GEOIP_CITY] = path;
	if (geoip_open(&g, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		int st;

		line[strcspn(line, "\r\n")] = '\0';
		st = lookup(&g, line, &r);
		if (st < 0) {
			printf("%s\tERROR\n", line);
			continue;
		}
		printf("%s\t%s\t%s\t", line, r.country, r.city);
		if (r.has_location)
			printf("%.4f\t%.4f\t", r.lat_e4 / 1e4, r.lon_e4 / 1e4);
		else
			printf("\t\t");
		if (r.asn)
			printf("%u", r.asn);
		printf("\t%s\n", r.as_org);
	}
	geoip_close(&g);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "lookup") == 0)
		return run_lookup(argv[2], argv[3]);
	if (argc != 3 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "usage: test_geoip check DIR | "
		    "lookup city|asn DB\n");
		return 99;
	}
	check_lookups(argv[2]);
	check_bad_files(argv[2]);
	check_open_rules(argv[2]);
	check_reload(argv[2]);
	check_cache(argv[2]);
	return test_done("test_geoip");
}

/* sensor/geoip_mmdb.c: one MaxMind DB file (libmaxminddb): open, check,
 * look up.  Built only with libmaxminddb (geoip_mmdb_stub.c otherwise). */
#include "sensor/geoip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <maxminddb.h>

struct geoip_db {
	MMDB_s		 mmdb;
	enum geoip_kind	 kind;
};

/* Lookup paths.  Each must be present with its type, or absent. */
static const char *const path_country[] = { "country", "iso_code", NULL };
static const char *const path_city[] = { "city", "names", "en", NULL };
static const char *const path_lat[] = { "location", "latitude", NULL };
static const char *const path_lon[] = { "location", "longitude", NULL };
static const char *const path_radius[] = { "location", "accuracy_radius",
	NULL };
static const char *const path_asn[] = { "autonomous_system_number", NULL };
static const char *const path_org[] = { "autonomous_system_organization",
	NULL };

/* What went wrong reading a data record (for load-time messages). */
struct read_err {
	const char	*field;		/* NULL: none */
	const char	*why;
};

/* Fetch path from entry.  Returns 1 with *d filled if present with type
 * want, 0 if absent, -1 if the data is bad or of another type. */
static int
get_field(MMDB_entry_s entry, const char *const *path, uint32_t want,
    MMDB_entry_data_s *d, struct read_err *re)
{
	int st = MMDB_aget_value(&entry, d, path);

	if (st == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR ||
	    (st == MMDB_SUCCESS && !d->has_data))
		return 0;
	re->field = path[0];
	if (st != MMDB_SUCCESS) {
		re->why = MMDB_strerror(st);
		return -1;
	}
	if (d->type != want) {
		re->why = "has the wrong type";
		return -1;
	}
	re->field = NULL;
	return 1;
}

/* Copy a UTF-8 string of n bytes into dst (dstsz incl. the NUL), cut at a
 * character boundary. */
static void
copy_utf8(char *dst, size_t dstsz, const char *s, size_t n)
{
	if (n >= dstsz) {
		n = dstsz - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Degrees as fixed point, or false if not a coordinate. */
static bool
degrees_e4(double v, double max, int32_t *out)
{
	if (!isfinite(v) || v < -max || v > max)
		return false;
	*out = (int32_t)lround(v * 10000.0);
	return true;
}

static int
read_city(MMDB_entry_s e, struct geoip_result *out, struct read_err *re)
{
	MMDB_entry_data_s d;
	int32_t lat = 0, lon = 0;
	int r, found = 0, has_lat, has_lon;

	if ((r = get_field(e, path_country, MMDB_DATA_TYPE_UTF8_STRING, &d,
	    re)) < 0)
		return -1;
	if (r > 0 && d.data_size > 0) {
		copy_utf8(out->country, sizeof(out->country), d.utf8_string,
		    d.data_size);
		found = 1;
	}
	if ((r = get_field(e, path_city, MMDB_DATA_TYPE_UTF8_STRING, &d,
	    re)) < 0)
		return -1;
	if (r > 0 && d.data_size > 0) {
		copy_utf8(out->city, sizeof(out->city), d.utf8_string,
		    d.data_size);
		found = 1;
	}
	if ((has_lat = get_field(e, path_lat, MMDB_DATA_TYPE_DOUBLE, &d,
	    re)) < 0)
		return -1;
	if (has_lat && !degrees_e4(d.double_value, 90.0, &lat))
		goto bad_coord;
	if ((has_lon = get_field(e, path_lon, MMDB_DATA_TYPE_DOUBLE, &d,
	    re)) < 0)
		return -1;
	if (has_lon && !degrees_e4(d.double_value, 180.0, &lon))
		goto bad_coord;
	if (has_lat && has_lon) {
		out->has_location = true;
		out->lat_e4 = lat;
		out->lon_e4 = lon;
		found = 1;
		if ((r = get_field(e, path_radius, MMDB_DATA_TYPE_UINT16, &d,
		    re)) < 0)
			return -1;
		out->accuracy_km = r > 0 ? d.uint16 : 0;
	}
	return found;
bad_coord:
	re->field = "location";
	re->why = "is not a coordinate";
	return -1;
}

static int
read_asn(MMDB_entry_s e, struct geoip_result *out, struct read_err *re)
{
	MMDB_entry_data_s d;
	int r, found = 0;

	if ((r = get_field(e, path_asn, MMDB_DATA_TYPE_UINT32, &d, re)) < 0)
		return -1;
	if (r > 0 && d.uint32 != 0) {
		out->asn = d.uint32;
		found = 1;
	}
	if ((r = get_field(e, path_org, MMDB_DATA_TYPE_UTF8_STRING, &d,
	    re)) < 0)
		return -1;
	if (r > 0 && d.data_size > 0) {
		copy_utf8(out->as_org, sizeof(out->as_org), d.utf8_string,
		    d.data_size);
		found = 1;
	}
	return found;
}

static int
read_entry(const struct geoip_db *db, MMDB_entry_s e,
    struct geoip_result *out, struct read_err *re)
{
	MMDB_entry_data_s top;
	int st;

	/* The record itself must decode, whatever it holds. */
	if ((st = MMDB_get_value(&e, &top, NULL)) != MMDB_SUCCESS) {
		re->field = "record";
		re->why = MMDB_strerror(st);
		return -1;
	}
	if (top.type != MMDB_DATA_TYPE_MAP)
		return 0;
	return db->kind == GEOIP_CITY ? read_city(e, out, re) :
	    read_asn(e, out, re);
}

/* Every search-tree record points inside the file, and every data record
 * a lookup can reach reads cleanly.  Runs once per load. */
static int
check_db(const struct geoip_db *db, char *err, size_t errsz,
    const char *path)
{
	const MMDB_s *m = &db->mmdb;
	uint8_t *seen;
	struct geoip_result scratch;
	struct read_err re = { NULL, NULL };
	int status = -1;

	if ((seen = calloc(m->data_section_size / 8 + 1, 1)) == NULL) {
		snprintf(err, errsz, "%s: out of memory checking the database",
		    path);
		return -1;
	}
	for (uint32_t i = 0; i < m->metadata.node_count; i++) {
		MMDB_search_node_s node;
		int st = MMDB_read_node(m, i, &node);

		if (st != MMDB_SUCCESS) {
			snprintf(err, errsz, "%s: corrupt MaxMind DB: search "
			    "tree node %u: %s", path, i, MMDB_strerror(st));
			goto out;
		}
		for (int side = 0; side < 2; side++) {
			uint8_t type = side ? node.right_record_type :
			    node.left_record_type;
			MMDB_entry_s e = side ? node.right_record_entry :
			    node.left_record_entry;

			if (type == MMDB_RECORD_TYPE_INVALID) {
				snprintf(err, errsz, "%s: corrupt MaxMind DB: "
				    "search tree node %u points outside the "
				    "file", path, i);
				goto out;
			}
			if (type != MMDB_RECORD_TYPE_DATA ||
			    e.offset >= m->data_section_size)
				continue;
			if (seen[e.offset / 8] & (1u << (e.offset % 8)))
				continue;
			seen[e.offset / 8] |= (uint8_t)(1u << (e.offset % 8));
			memset(&scratch, 0, sizeof(scratch));
			if (read_entry(db, e, &scratch, &re) < 0) {
				snprintf(err, errsz, "%s: corrupt MaxMind DB: "
				    "data record at offset %u: %s %s", path,
				    e.offset, re.field, re.why);
				goto out;
			}
		}
	}
	status = 0;
out:
	free(seen);
	return status;
}

/* A type name fits the kind: City/Country/Enterprise, or ASN/ISP. */
static bool
type_fits(const char *type, enum geoip_kind k)
{
	if (type == NULL)
		return false;
	if (k == GEOIP_CITY)
		return strstr(type, "City") != NULL ||
		    strstr(type, "Country") != NULL ||
		    strstr(type, "Enterprise") != NULL;
	return strstr(type, "ASN") != NULL || strstr(type, "ISP") != NULL;
}

struct geoip_db *
geoip_db_open(const char *path, enum geoip_kind k, char *err, size_t errsz)
{
	struct geoip_db *db;
	struct stat sb;
	int st;

	if (stat(path, &sb) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, errsz, "%s: %s", path, strerror(EISDIR));
		return NULL;
	}
	if (sb.st_size == 0) {
		snprintf(err, errsz, "%s: not a valid MaxMind DB: empty file",
		    path);
		return NULL;
	}
	if ((db = calloc(1, sizeof(*db))) == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		return NULL;
	}
	db->kind = k;
	if ((st = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb)) !=
	    MMDB_SUCCESS) {
		if (st == MMDB_IO_ERROR)
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
		else
			snprintf(err, errsz, "%s: not a valid MaxMind DB: %s",
			    path, MMDB_strerror(st));
		free(db);
		return NULL;
	}
	if (check_db(db, err, errsz, path) != 0) {
		geoip_db_free(db);
		return NULL;
	}
	if (!type_fits(db->mmdb.metadata.database_type, k)) {
		snprintf(err, errsz, "%s: database type '%s' is not %s", path,
		    db->mmdb.metadata.database_type ?
		    db->mmdb.metadata.database_type : "(none)",
		    k == GEOIP_CITY ? "a City or Country database" :
		    "an ASN or ISP database");
		geoip_db_free(db);
		return NULL;
	}
	return db;
}

void
geoip_db_free(struct geoip_db *db)
{
	if (db == NULL)
		return;
	MMDB_close(&db->mmdb);
	free(db);
}

const char *
geoip_db_type(const struct geoip_db *db)
{
	return db->mmdb.metadata.database_type;
}

int
geoip_db_lookup(const struct geoip_db *db, uint8_t ip_version,
    const uint8_t *addr, struct geoip_result *out)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	MMDB_lookup_result_s r;
	struct read_err re;
	int mmdb_err = MMDB_SUCCESS;

	if (ip_version == 4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, addr, 4);
		sa = (const struct sockaddr *)&sin;
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, addr, 16);
		sa = (const struct sockaddr *)&sin6;
	}
	r = MMDB_lookup_sockaddr(&db->mmdb, sa, &mmdb_err);
	if (mmdb_err == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
		return 0;
	if (mmdb_err != MMDB_SUCCESS)
		return -1;
	if (!r.found_entry)
		return 0;
	return read_entry(db, r.entry, out, &re);
}

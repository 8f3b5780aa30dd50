/* sensor/geoip_mmdb_stub.c: built without libmaxminddb: no database opens,
 * so geoip_open() fails for any path given and lookups find nothing. */
#include "sensor/geoip.h"

#include <stdio.h>

struct geoip_db {
	int	 unused;
};

struct geoip_db *
geoip_db_open(const char *path, enum geoip_kind k, char *err, size_t errsz)
{
	snprintf(err, errsz, "%s: fpsensor was not built with libmaxminddb "
	    "(GeoIP/ASN enrichment unavailable)", path);
	return NULL;
}

void
geoip_db_free(struct geoip_db *db)
{
	(void)db;
}

const char *
geoip_db_type(const struct geoip_db *db)
{
	(void)db;
	return "";
}

int
geoip_db_lookup(const struct geoip_db *db, uint8_t ip_version,
    const uint8_t *addr, struct geoip_result *out)
{
	return 0;
}

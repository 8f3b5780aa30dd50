/* sensor/geoip.h: GeoIP (country, city, location) and ASN of an address,
 * from MaxMind DB files (libmaxminddb).
 *
 * A loaded database (struct geoip_db) is immutable once open: it was fully
 * checked at load (metadata, database type, every search-tree record, and
 * every data record's fields that lookups read), so a corrupt or wrong file
 * is an error at start, never a surprise per packet.  struct geoip holds one
 * database per kind behind an atomic pointer: a reload opens and checks the
 * new file first and swaps it in only when it is good, so a failed reload
 * keeps the last good database.
 *
 * Lookups go through a per-worker cache (struct geoip_cache): bounded,
 * allocated once, 4-way set associative, keyed by address and invalidated
 * by a reload.  Neither lookups nor the cache allocate.
 *
 * Built without libmaxminddb, geoip_open() fails with "not built with
 * libmaxminddb" when a path is given and succeeds (no databases) when none
 * is; lookups then find nothing. */
#ifndef FP_SENSOR_GEOIP_H
#define FP_SENSOR_GEOIP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

#define GEOIP_CITY_MAX		64	/* bytes kept of a city name, NUL incl. */
#define GEOIP_ORG_MAX		96	/* of an AS organisation */
#define GEOIP_CACHE_DEFAULT	8192	/* entries */

enum geoip_kind {
	GEOIP_CITY = 0,		/* City, Country or Enterprise databases */
	GEOIP_ASN,		/* ASN or ISP databases */
	GEOIP_N_KIND
};

/* Settings, as the command line or a configuration file gives them. */
struct geoip_settings {
	const char	*path[GEOIP_N_KIND];	/* NULL: not used */
	bool		 absent_ok[GEOIP_N_KIND];	/* absent: one warning,
						 * no fields until a reload
						 * finds it */
	uint32_t	 cache_entries;		/* 0: GEOIP_CACHE_DEFAULT */
};

/* What a lookup found.  Empty strings and has_* false mean "not known". */
struct geoip_result {
	char		 country[4];		/* ISO 3166-1 alpha-2 */
	char		 city[GEOIP_CITY_MAX];	/* English name */
	bool		 has_location;
	int32_t		 lat_e4;		/* degrees x 10^4 */
	int32_t		 lon_e4;
	uint16_t	 accuracy_km;		/* 0: not given */
	uint32_t	 asn;			/* 0: none */
	char		 as_org[GEOIP_ORG_MAX];
};

struct geoip_db;	/* one open, checked database file */

struct geoip {
	_Atomic(struct geoip_db *) db[GEOIP_N_KIND];	/* NULL: none */
	atomic_uint	 generation;	/* bumped by every swap */
	bool		 configured;	/* a path was given, even if absent */
};

struct geoip_cache_entry {
	uint8_t		 addr[16];
	uint8_t		 ip_version;	/* 0: empty slot */
	bool		 found;		/* any field in res */
	uint32_t	 generation;
	struct geoip_result res;
};

struct geoip_cache {
	struct geoip_cache_entry *slots;	/* n_sets * GEOIP_CACHE_WAYS */
	uint32_t	 set_mask;
	uint8_t		*next_way;	/* per set: round-robin victim */
	uint64_t	 n_hits;
	uint64_t	 n_misses;
	uint64_t	 n_errors;	/* lookups libmaxminddb failed */
};

#define GEOIP_CACHE_WAYS	4

/* Open and check the databases of s into g.  All or nothing: on failure
 * nothing stays open, g is empty and err names the file and the reason.
 * A path given but absent is an error, unless absent_ok says it may be
 * (then one warning and no database of that kind).  Returns 0 or -1. */
int		 geoip_open(struct geoip *g, const struct geoip_settings *s,
		    char *err, size_t errsz) FP_WARN_UNUSED;

/* Close every database of g (g may be empty or never opened). */
void		 geoip_close(struct geoip *g);

/* True if g has a database of any kind. */
bool		 geoip_is_active(const struct geoip *g);

/* True if g was given a path of any kind (a reload may fill it). */
bool		 geoip_is_configured(const struct geoip *g);

/* Open and check one database file of kind k.  Returns it (owned by the
 * caller until swapped in), or NULL with the file and reason in err:
 * unreadable, not a MaxMind DB, corrupt, or of another kind (an ASN file
 * given as a city database). */
struct geoip_db	*geoip_db_open(const char *path, enum geoip_kind k,
		    char *err, size_t errsz);
void		 geoip_db_free(struct geoip_db *db);

/* Look addr up in db alone: fills only db's kind of fields of *out and
 * leaves the others as they are.  Returns 1 found, 0 not found, -1 error. */
int		 geoip_db_lookup(const struct geoip_db *db, uint8_t ip_version,
		    const uint8_t *addr, struct geoip_result *out);

/* database_type from the file's metadata (borrowed from db). */
const char	*geoip_db_type(const struct geoip_db *db);

/* Put db in place of g's database of kind k (db may be NULL to drop it)
 * and return the one it replaces, which the caller frees once no lookup
 * can still be using it (single worker: at once; live capture: after
 * live_grace(), sensor/live.h). */
struct geoip_db	*geoip_swap(struct geoip *g, enum geoip_kind k,
		    struct geoip_db *db);

/* Hot reload of kind k from path: open and check, then swap and free the
 * old database.  On failure g keeps serving its last good database and err
 * says why.  Single worker only (the old database is freed at once).
 * Returns 0 or -1. */
int		 geoip_reload(struct geoip *g, enum geoip_kind k,
		    const char *path, char *err, size_t errsz) FP_WARN_UNUSED;

/* Look addr (4 or 16 bytes by ip_version) up in every database of g,
 * uncached.  Returns 1 if anything was found, 0 if not, -1 on a lookup
 * error; *out is fully overwritten in every case. */
int		 geoip_lookup(const struct geoip *g, uint8_t ip_version,
		    const uint8_t *addr, struct geoip_result *out);

/* Allocate a cache of about n entries (rounded up to a power of two, at
 * least GEOIP_CACHE_WAYS).  Returns 0, or -1 with errno set. */
int		 geoip_cache_init(struct geoip_cache *c, uint32_t n);
void		 geoip_cache_free(struct geoip_cache *c);

/* geoip_lookup() through cache c; counts hits, misses and errors.  Returns
 * a pointer into the cache, valid until the next call on c, or NULL when
 * nothing is known about addr. */
const struct geoip_result *geoip_lookup_cached(const struct geoip *g,
		    struct geoip_cache *c, uint8_t ip_version,
		    const uint8_t *addr);

#endif

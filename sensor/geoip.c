/* sensor/geoip.c: the databases behind swappable pointers, and the cache. */
#include "sensor/geoip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
geoip_open(struct geoip *g, const struct geoip_settings *s, char *err,
    size_t errsz)
{
	struct geoip_db *db[GEOIP_N_KIND] = { NULL };

	for (int k = 0; k < GEOIP_N_KIND; k++)
		atomic_init(&g->db[k], NULL);
	atomic_init(&g->generation, 0);
	g->configured = false;
	for (int k = 0; k < GEOIP_N_KIND; k++) {
		const char *path = s->path[k];

		if (path == NULL)
			continue;
		if (s->absent_ok[k] && access(path, F_OK) != 0 &&
		    errno == ENOENT) {
			log_warnx("no GeoIP database at %s: records carry no "
			    "%s fields", path, k == GEOIP_CITY ?
			    "country/city/location" : "AS");
			continue;
		}
		if ((db[k] = geoip_db_open(path, (enum geoip_kind)k, err,
		    errsz)) == NULL) {
			for (int i = 0; i < k; i++)
				geoip_db_free(db[i]);
			return -1;
		}
	}
	for (int k = 0; k < GEOIP_N_KIND; k++) {
		atomic_store(&g->db[k], db[k]);
		g->configured |= s->path[k] != NULL;
	}
	return 0;
}

void
geoip_close(struct geoip *g)
{
	for (int k = 0; k < GEOIP_N_KIND; k++)
		geoip_db_free(geoip_swap(g, (enum geoip_kind)k, NULL));
}

bool
geoip_is_active(const struct geoip *g)
{
	for (int k = 0; k < GEOIP_N_KIND; k++)
		if (atomic_load(&((struct geoip *)g)->db[k]) != NULL)
			return true;
	return false;
}

bool
geoip_is_configured(const struct geoip *g)
{
	return g->configured;
}

struct geoip_db *
geoip_swap(struct geoip *g, enum geoip_kind k, struct geoip_db *db)
{
	struct geoip_db *old = atomic_exchange(&g->db[k], db);

	atomic_fetch_add(&g->generation, 1);
	return old;
}

int
geoip_reload(struct geoip *g, enum geoip_kind k, const char *path,
    char *err, size_t errsz)
{
	struct geoip_db *db = geoip_db_open(path, k, err, errsz);

	if (db == NULL)
		return -1;		/* the last good one stays */
	geoip_db_free(geoip_swap(g, k, db));
	return 0;
}

int
geoip_lookup(const struct geoip *g, uint8_t ip_version, const uint8_t *addr,
    struct geoip_result *out)
{
	struct geoip *mg = (struct geoip *)g;	/* atomics: load only */
	int found = 0, r;

	memset(out, 0, sizeof(*out));
	for (int k = 0; k < GEOIP_N_KIND; k++) {
		const struct geoip_db *db = atomic_load_explicit(&mg->db[k],
		    memory_order_acquire);

		if (db == NULL)
			continue;
		if ((r = geoip_db_lookup(db, ip_version, addr, out)) < 0) {
			memset(out, 0, sizeof(*out));
			return -1;
		}
		found |= r;
	}
	return found;
}

int
geoip_cache_init(struct geoip_cache *c, uint32_t n)
{
	uint32_t sets = 1;

	memset(c, 0, sizeof(*c));
	if (n == 0)
		n = GEOIP_CACHE_DEFAULT;
	while (sets * GEOIP_CACHE_WAYS < n && sets < (1u << 24))
		sets <<= 1;
	c->slots = calloc((size_t)sets * GEOIP_CACHE_WAYS, sizeof(*c->slots));
	c->next_way = calloc(sets, 1);
	if (c->slots == NULL || c->next_way == NULL) {
		geoip_cache_free(c);
		errno = ENOMEM;
		return -1;
	}
	c->set_mask = sets - 1;
	return 0;
}

void
geoip_cache_free(struct geoip_cache *c)
{
	free(c->slots);
	free(c->next_way);
	c->slots = NULL;
	c->next_way = NULL;
}

static uint32_t
addr_hash(uint8_t ip_version, const uint8_t *addr)
{
	uint64_t w[2] = { 0, 0 };

	memcpy(w, addr, ip_version == 4 ? 4 : 16);
	w[0] = (w[0] ^ (w[1] * 0x9e3779b97f4a7c15ULL) ^ ip_version) *
	    0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(w[0] >> 32 ^ w[0]);
}

const struct geoip_result *
geoip_lookup_cached(const struct geoip *g, struct geoip_cache *c,
    uint8_t ip_version, const uint8_t *addr)
{
	size_t len = ip_version == 4 ? 4 : 16;
	uint32_t gen = atomic_load(&((struct geoip *)g)->generation);
	uint32_t set = addr_hash(ip_version, addr) & c->set_mask;
	struct geoip_cache_entry *e = c->slots + (size_t)set *
	    GEOIP_CACHE_WAYS;
	int r;

	for (int w = 0; w < GEOIP_CACHE_WAYS; w++)
		if (e[w].ip_version == ip_version && e[w].generation == gen &&
		    memcmp(e[w].addr, addr, len) == 0) {
			c->n_hits++;
			return e[w].found ? &e[w].res : NULL;
		}
	c->n_misses++;
	e += c->next_way[set];
	c->next_way[set] = (uint8_t)((c->next_way[set] + 1) %
	    GEOIP_CACHE_WAYS);
	r = geoip_lookup(g, ip_version, addr, &e->res);
	if (r < 0)
		c->n_errors++;
	memset(e->addr, 0, sizeof(e->addr));
	memcpy(e->addr, addr, len);
	e->ip_version = ip_version;
	e->generation = gen;
	e->found = r > 0;
	return e->found ? &e->res : NULL;
}

/* sensor/enrich.c: endpoint enrichment: GeoIP/ASN and pseudonyms. */
#include "sensor/enrich.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/anonymize.h"
#include "sensor/decode.h"

int
enrich_init(struct enrich *e, struct anon *anon, const struct geoip *geo,
    uint32_t cache_entries)
{
	memset(e, 0, sizeof(*e));
	e->anon = anon;
	if (geo != NULL && geoip_is_configured(geo)) {
		if (geoip_cache_init(&e->cache, cache_entries) != 0)
			return -1;
		e->geo = geo;
	}
	return 0;
}

void
enrich_free(struct enrich *e)
{
	if (e == NULL)
		return;
	geoip_cache_free(&e->cache);
	e->geo = NULL;
	e->anon = NULL;
}

void
enrich_addr_str(struct enrich *e, uint8_t ip_version, const uint8_t *addr,
    char *dst, size_t dstsz)
{
	uint8_t pseudo[16];

	if (e == NULL || e->anon == NULL) {
		decode_addr_str(ip_version, addr, dst, dstsz);
		return;
	}
	if (anon_addr(e->anon, ip_version, addr, pseudo) != 0)
		e->n_anon_errors++;		/* pseudo is all zero */
	decode_addr_str(ip_version, pseudo, dst, dstsz);
}

/* Copy n bytes of s into dst as a string (cut to fit). */
static size_t
copy_str(char *dst, size_t dstsz, const char *s, size_t n)
{
	if (dstsz == 0)
		return 0;
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return n;
}

size_t
enrich_host_str(struct enrich *e, const char *host, size_t host_len,
    char *dst, size_t dstsz)
{
	char lit[INET6_ADDRSTRLEN], pseudo[INET6_ADDRSTRLEN];
	uint8_t addr[16];
	const char *a = host, *rest;
	size_t a_len, rest_len;
	uint8_t ver;
	int n;

	if (e == NULL || e->anon == NULL)
		return copy_str(dst, dstsz, host, host_len);
	/* Split off the address: "[v6]..." or up to a single ':'. */
	if (host_len > 0 && host[0] == '[') {
		const char *close = memchr(host, ']', host_len);

		if (close == NULL)
			return copy_str(dst, dstsz, host, host_len);
		a = host + 1;
		a_len = (size_t)(close - a);
	} else {
		const char *colon = memchr(host, ':', host_len);

		a_len = colon != NULL && memchr(colon + 1, ':', host_len -
		    (size_t)(colon + 1 - host)) == NULL ?
		    (size_t)(colon - host) : host_len;
	}
	if (a_len == 0 || a_len >= sizeof(lit))
		return copy_str(dst, dstsz, host, host_len);
	memcpy(lit, a, a_len);
	lit[a_len] = '\0';
	memset(addr, 0, sizeof(addr));
	if (inet_pton(AF_INET, lit, addr) == 1)
		ver = 4;
	else if (inet_pton(AF_INET6, lit, addr) == 1)
		ver = 6;
	else
		return copy_str(dst, dstsz, host, host_len);
	enrich_addr_str(e, ver, addr, pseudo, sizeof(pseudo));
	rest = a + a_len;			/* "]:port", ":port" or "" */
	rest_len = host_len - (size_t)(rest - host);
	if (a != host)
		n = snprintf(dst, dstsz, "[%s%.*s", pseudo, (int)rest_len,
		    rest);
	else
		n = snprintf(dst, dstsz, "%s%.*s", pseudo, (int)rest_len,
		    rest);
	if (n < 0 || dstsz == 0)
		return 0;
	return (size_t)n >= dstsz ? dstsz - 1 : (size_t)n;
}

void
enrich_geo(struct enrich *e, struct json *j, uint8_t ip_version,
    const uint8_t *addr)
{
	const struct geoip_result *r;

	if (e == NULL || e->geo == NULL)
		return;
	r = geoip_lookup_cached(e->geo, &e->cache, ip_version, addr);
	if (r == NULL)
		return;
	if (r->country[0] != '\0' || r->city[0] != '\0' || r->has_location) {
		json_obj_open(j, "geo");
		if (r->country[0] != '\0')
			json_str(j, "country", r->country);
		if (r->city[0] != '\0')
			json_str(j, "city", r->city);
		if (r->has_location) {
			json_obj_open(j, "location");
			json_fixed(j, "lat", r->lat_e4, 4);
			json_fixed(j, "lon", r->lon_e4, 4);
			if (r->accuracy_km != 0)
				json_u64(j, "accuracy_km", r->accuracy_km);
			json_obj_close(j);
		}
		json_obj_close(j);
	}
	if (r->asn != 0 || r->as_org[0] != '\0') {
		json_obj_open(j, "as");
		if (r->asn != 0)
			json_u64(j, "number", r->asn);
		if (r->as_org[0] != '\0')
			json_str(j, "org", r->as_org);
		json_obj_close(j);
	}
}

void
enrich_stats_print(FILE *fp, const struct enrich *e)
{
	static const struct enrich none;

	if (e == NULL)
		e = &none;
	fprintf(fp, "geoip_cache_hits=%" PRIu64 "\n", e->cache.n_hits);
	fprintf(fp, "geoip_cache_misses=%" PRIu64 "\n", e->cache.n_misses);
	fprintf(fp, "geoip_lookup_errors=%" PRIu64 "\n", e->cache.n_errors);
	fprintf(fp, "anonymize_errors=%" PRIu64 "\n", e->n_anon_errors);
}

int
enrich_set_load(struct enrich_set *es, const struct enrich_settings *s,
    char *err, size_t errsz)
{
	uint8_t key[ANON_KEY_LEN];
	char why[448];

	memset(es, 0, sizeof(*es));
	if (s->anon_key_path != NULL) {
		if (anon_key_load(s->anon_key_path, key, why,
		    sizeof(why)) != 0) {
			snprintf(err, errsz, "--anonymize-key %s", why);
			return -1;
		}
		es->anon = anon_new(key, why, sizeof(why));
		explicit_bzero(key, sizeof(key));
		if (es->anon == NULL) {
			snprintf(err, errsz, "--anonymize-key %s", why);
			return -1;
		}
	}
	if (geoip_open(&es->geoip, &s->geoip, why, sizeof(why)) != 0) {
		snprintf(err, errsz, "GeoIP database %s", why);
		goto fail;
	}
	if (s->use_ndpi &&
	    (es->ndpi = fp_ndpi_new(&s->ndpi, why, sizeof(why))) == NULL) {
		snprintf(err, errsz, "nDPI: %s", why);
		goto fail;
	}
	if (enrich_init(&es->enrich, es->anon, &es->geoip,
	    s->geoip.cache_entries) != 0) {
		snprintf(err, errsz, "GeoIP cache: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	enrich_set_free(es);
	return -1;
}

void
enrich_set_free(struct enrich_set *es)
{
	enrich_free(&es->enrich);
	fp_ndpi_free(es->ndpi);
	geoip_close(&es->geoip);
	anon_free(es->anon);
	memset(es, 0, sizeof(*es));
}

int
enrich_worker_init(struct enrich_worker *w, const struct enrich_set *es,
    const struct enrich_settings *s, char *err, size_t errsz)
{
	uint8_t key[ANON_KEY_LEN];
	char why[448];

	memset(w, 0, sizeof(*w));
	if (s->anon_key_path != NULL) {
		if (anon_key_load(s->anon_key_path, key, why,
		    sizeof(why)) != 0) {
			snprintf(err, errsz, "--anonymize-key %s", why);
			return -1;
		}
		w->anon = anon_new(key, why, sizeof(why));
		explicit_bzero(key, sizeof(key));
		if (w->anon == NULL) {
			snprintf(err, errsz, "--anonymize-key %s", why);
			return -1;
		}
	}
	if (es->ndpi != NULL &&
	    (w->ndpi = fp_ndpi_new(&s->ndpi, why, sizeof(why))) == NULL) {
		snprintf(err, errsz, "nDPI: %s", why);
		goto fail;
	}
	if (enrich_init(&w->enrich, w->anon, &es->geoip,
	    s->geoip.cache_entries) != 0) {
		snprintf(err, errsz, "GeoIP cache: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	enrich_worker_free(w);
	return -1;
}

void
enrich_worker_free(struct enrich_worker *w)
{
	enrich_free(&w->enrich);
	fp_ndpi_free(w->ndpi);
	anon_free(w->anon);
	memset(w, 0, sizeof(*w));
}

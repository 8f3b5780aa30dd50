/* sensor/enrich.h: what a record says about an endpoint beyond the flow
 * key: GeoIP/ASN fields looked up on the real address, and, with an
 * anonymization key, the pseudonym written in place of every address.
 *
 * One per worker (it holds the GeoIP cache and, through anon, a cipher
 * context).  Every address a record carries, whichever module writes it,
 * is formatted with enrich_addr_str(), so none escapes pseudonymization.
 * Nothing here allocates after enrich_init(). */
#ifndef FP_SENSOR_ENRICH_H
#define FP_SENSOR_ENRICH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzers/ndpi.h"
#include "json.h"
#include "sensor/geoip.h"

struct anon;

struct enrich {
	struct anon		*anon;		/* borrowed; NULL: real addresses */
	const struct geoip	*geo;		/* borrowed; NULL: no geo fields */
	struct geoip_cache	 cache;
	uint64_t		 n_anon_errors;	/* written as all-zero addresses */
};

/* Set e up with the (borrowed) pseudonymizer and databases, either may be
 * NULL, and a GeoIP cache of about cache_entries (0: default).  Returns 0,
 * or -1 with errno set (nothing to free then). */
int	enrich_init(struct enrich *e, struct anon *anon, const struct geoip *geo,
	    uint32_t cache_entries);
void	enrich_free(struct enrich *e);

/* Format addr (4 or 16 bytes by ip_version) as a record shows it into dst
 * (at least 46 bytes): its pseudonym when e has a key, else itself.  e may
 * be NULL (the address itself). */
void	enrich_addr_str(struct enrich *e, uint8_t ip_version,
	    const uint8_t *addr, char *dst, size_t dstsz);

/* Format a host as a record shows it into dst (dstsz bytes, NUL incl.):
 * when e has a key and host is an IP literal ("192.0.2.1", "192.0.2.1:8080",
 * "[2001:db8::1]:443", "2001:db8::1"), the address part is replaced by its
 * pseudonym; any other host (a name) is copied as it is, cut to fit.  For
 * values taken from payload that may carry an address, such as an HTTP
 * Host header.  Returns the length written. */
size_t	enrich_host_str(struct enrich *e, const char *host, size_t host_len,
	    char *dst, size_t dstsz);

/* Into the open endpoint object j, the "geo" and "as" members of addr (the
 * real address, before pseudonymization) when the databases know it.
 * Nothing when e is NULL or has no databases. */
void	enrich_geo(struct enrich *e, struct json *j, uint8_t ip_version,
	    const uint8_t *addr);

/* Counters as key=value lines (zeros when e is NULL). */
void	enrich_stats_print(FILE *fp, const struct enrich *e);

/* Enrichment settings, as the command line or a configuration file gives
 * them. */
struct enrich_settings {
	const char		*anon_key_path;	/* NULL: real addresses */
	struct geoip_settings	 geoip;
	bool			 use_ndpi;
	struct fp_ndpi_settings	 ndpi;
};

/* What the settings load into: the pseudonymizer, the databases, the nDPI
 * module and the first worker's struct enrich over them.  Other workers
 * get their own (struct enrich_worker); the databases are shared. */
struct enrich_set {
	struct anon		*anon;
	struct geoip		 geoip;
	struct fp_ndpi		*ndpi;
	struct enrich		 enrich;
};

/* Load everything s asks for, before any packet is read.  All or nothing:
 * on failure nothing stays loaded and err says what and why (the key file
 * or database named).  Returns 0 or -1. */
int	enrich_set_load(struct enrich_set *es, const struct enrich_settings *s,
	    char *err, size_t errsz) FP_WARN_UNUSED;

/* Free what enrich_set_load() loaded (after the pipeline using it). */
void	enrich_set_free(struct enrich_set *es);

/* One more worker's share: its own pseudonymizer (a cipher context; the
 * key file is read again), nDPI module and GeoIP cache, over es's GeoIP
 * databases, which every worker reads (immutable, swapped atomically). */
struct enrich_worker {
	struct anon		*anon;
	struct fp_ndpi		*ndpi;
	struct enrich		 enrich;
};

/* Load worker w's share of s over es, before privileges are dropped (the
 * key file is read).  All or nothing, like enrich_set_load(). */
int	enrich_worker_init(struct enrich_worker *w, const struct enrich_set *es,
	    const struct enrich_settings *s, char *err, size_t errsz)
	    FP_WARN_UNUSED;
void	enrich_worker_free(struct enrich_worker *w);

#endif

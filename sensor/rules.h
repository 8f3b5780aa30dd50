/* sensor/rules.h: signature databases (the YAML files of rules/, see
 * fpsensor-rules(5))
 * compiled into immutable in-memory tables.
 *
 * A rule set is built whole by rules_load_dir() and never changed after:
 * readers hold a const pointer, a reload builds a new set beside it and the
 * owner swaps the pointer, then frees the old set once no reader is left.
 * Lookups are hashed (TLS, TCP, HTTP) or a short ordered scan of substring
 * tokens (User-Agent); none allocates. */
#ifndef FP_SENSOR_RULES_H
#define FP_SENSOR_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rules_db {
	RULES_TLS,		/* tls.yaml: JA4 or JA3 -> client */
	RULES_TCP,		/* tcp.yaml: SYN signature -> OS family */
	RULES_HTTP,		/* http.yaml: header order -> client */
	RULES_UA,		/* useragent.yaml: tokens -> claims */
	RULES_N_DB
};

#define RULES_FILE_MAX		(16u << 20)	/* bytes per database file */
#define RULES_MAX_RULES		65536		/* rules per database */

/* A rule as JSON object members ("application":"curl",...,"rule":"ID"),
 * rendered at load time for records to copy. */
struct rules_json {
	const char	*s;
	size_t		 len;
};

/* What a TLS stack or HTTP header order says the client is. */
struct rules_client {
	const char	*id;
	const char	*key;		/* ja4, ja3 or header order */
	const char	*application;	/* "curl", "Chromium" */
	const char	*family;	/* "chrome", "curl": for the checks */
	const char	*library;	/* "OpenSSL", may be NULL */
	const char	*category;	/* browser, tool, library, bot, ... */
	const char	*os;		/* OS family it implies, may be NULL */
	bool		 is_ja3;
	struct rules_json	 json;		/* the rule in records */
};

struct rules_tcp {
	const char	*id;
	const char	*sig;		/* ver:ittl:olen:mss:wsize,scale:... */
	const char	*os;		/* OS family */
	struct rules_json	 json;		/* the rule in records */
};

struct rules_ua_browser {
	const char	*id;
	const char	*token;		/* substring that identifies it */
	const char	*version_token;	/* version follows it; NULL: token */
	const char	*browser;	/* "Chrome", "Firefox", "curl" */
	const char	*family;	/* TLS family it must show: "chrome" */
	const char	*category;
	size_t		 token_len;
	size_t		 version_token_len;
	struct rules_json	 json;		/* the rule in records */
};

struct rules_ua_os {
	const char	*id;
	const char	*token;
	const char	*os;		/* "android", "windows" */
	const char	*kernel;	/* TCP stack it must show: "linux" */
	size_t		 token_len;
	struct rules_json	 json;		/* the rule in records */
};

struct rules_table {
	uint32_t	*slot;		/* rule index + 1, 0: empty */
	uint32_t	 mask;		/* slots - 1 */
};

struct rules_chunk;

struct rules {
	const char		*version[RULES_N_DB];	/* NULL: not loaded */
	struct rules_client	*tls;
	size_t			 n_tls;
	struct rules_table	 tls_index;
	struct rules_tcp	*tcp;
	size_t			 n_tcp;
	struct rules_table	 tcp_index;
	struct rules_client	*http;
	size_t			 n_http;
	struct rules_table	 http_index;
	struct rules_ua_browser	*browsers;	/* first match wins */
	size_t			 n_browsers;
	struct rules_ua_os	*oses;
	size_t			 n_oses;
	uint64_t		 generation;	/* distinct per loaded set */
	struct rules_chunk	*strings;	/* owned text */
};

/* The database file names, by enum rules_db ("tls.yaml", ...), and their
 * names in records ("tls", "tcp", "http", "useragent"). */
extern const char *const rules_file_names[RULES_N_DB];
extern const char *const rules_db_names[RULES_N_DB];

/* Load every database (NAME.yaml) of dir.  Returns a new set (owned by the
 * caller, free with rules_free()), or NULL with a message
 * "FILE:LINE:COL: KEY: why" (or "DIR: why") in err.  A directory without
 * any database is an error. */
struct rules	*rules_load_dir(const char *dir, char *err, size_t errsz);

/* Load one database file of kind db into r (which must not have it yet).
 * Returns 0, or -1 with err set; r then holds part of the file and is
 * only good for rules_free(). */
int		 rules_load_file(struct rules *r, enum rules_db db,
		    const char *path, char *err, size_t errsz);

/* An empty set, for rules_load_file(); NULL on out of memory. */
struct rules	*rules_new(void);
void		 rules_free(struct rules *r);

/* The TLS rule of a ClientHello: by JA4 first, then by JA3 hash.  Either
 * may be NULL/0.  NULL when none matches. */
const struct rules_client *rules_tls_find(const struct rules *r,
		    const char *ja4, size_t ja4_len, const char *ja3,
		    size_t ja3_len);

/* The rule of a raw SYN signature as records print it ("4:64+0:0:1460:
 * ..."): the distance part of the TTL is ignored, and a rule whose MSS is
 * '*' matches any MSS.  NULL when none matches. */
const struct rules_tcp *rules_tcp_find(const struct rules *r,
		    const char *raw_sig);

const struct rules_client *rules_http_find(const struct rules *r,
		    const char *order, size_t len);

/* What a User-Agent claims. */
struct rules_ua_claim {
	const struct rules_ua_browser	*browser;	/* NULL: none */
	const struct rules_ua_os	*os;		/* NULL: none */
	char				 version[24];	/* "" none */
};

/* Match ua[0..len) against the browser tokens, then the OS tokens, each
 * in file order, first match wins.  *out is fully overwritten. */
void		 rules_ua_parse(const struct rules *r, const char *ua,
		    size_t len, struct rules_ua_claim *out);

#define RULES_SIG_MAX	192

/* The form tcp.yaml signatures are indexed by (see fpsensor-rules(5)):
 * the TTL field becomes the initial TTL (observed + distance), and with
 * any_mss the MSS field becomes '*'.  False if sig is not a signature or
 * does not fit dstsz. */
bool		 rules_tcp_normalize(const char *sig, char *dst, size_t dstsz,
		    bool any_mss);

/* 64-bit FNV-1a, also the key of the User-Agent cache. */
uint64_t	 rules_hash(const char *s, size_t len);

#endif

/* analyzers/p0f_http.h: p0f 3 HTTP request signatures.
 *
 * Two halves:
 *  - p0f_http_request_sig() prints the raw signature of a parsed request
 *    exactly as p0f 3.09b logs it (raw_sig=ver:horder:habsent:expsw).  Pure.
 *  - p0f_http_load*() reads the [http:request] section of a p0f.fp file
 *    into an immutable database (startup only: it allocates, and reports
 *    errors as "file:line: message"); p0f_http_match() applies p0f's
 *    matching rules to a parsed request (pure, no allocation).
 *
 * p0f compares header names case-sensitively; so do we. */
#ifndef FP_ANALYZERS_P0F_HTTP_H
#define FP_ANALYZERS_P0F_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/http.h"

#define P0F_HTTP_MAX_HDRS	32	/* p0f HTTP_MAX_HDRS */
#define P0F_HTTP_MAX_NAME	32	/* p0f HTTP_MAX_HDR_NAME */
#define P0F_HTTP_MAX_VAL	1024	/* p0f HTTP_MAX_HDR_VAL */
#define P0F_HTTP_MAX_SHOW	200	/* p0f HTTP_MAX_SHOW */
#define P0F_HTTP_SIG_SIZE	8192	/* ample for any printable signature */

struct p0f_http_hdr {
	char		*name;
	char		*value;		/* substring to find, or NULL */
	bool		 is_optional;	/* '?Name' */
};

struct p0f_http_sig {
	int		 version;	/* 0, 1, or -1 for '*' */
	unsigned	 n_hdrs;
	unsigned	 n_absent;
	struct p0f_http_hdr hdrs[P0F_HTTP_MAX_HDRS];
	char		*absent[P0F_HTTP_MAX_HDRS];
	char		*sw;		/* expected User-Agent substring, or NULL */
	size_t		 label;		/* index into labels */
	unsigned	 line;		/* line in the p0f.fp file */
	uint64_t	 need;		/* p0f_http_name_bit() of each
					 * required (not optional) header */
};

struct p0f_http_label {
	char		*text;		/* "name flavor", as p0f prints it */
	bool		 is_generic;	/* 'g:' */
	bool		 is_app;	/* class '!' */
};

/* Immutable once loaded; owned by whoever called p0f_http_load*(). */
struct p0f_http_db {
	struct p0f_http_sig	*sigs;
	size_t			 n_sigs;
	struct p0f_http_label	*labels;
	size_t			 n_labels;
	char			**names;	/* OS/app names, p0f's spelling */
	size_t			 n_names;
	char			**hdr_names;	/* header names p0f.fp mentions */
	size_t			 n_hdr_names;
};

struct p0f_http_match {
	const struct p0f_http_sig *sig;	/* borrowed from the db; NULL: none */
	const char	*label;		/* borrowed from the db; NULL: none */
	bool		 is_generic;
	bool		 is_dishonest;	/* User-Agent lacks the expected sw */
	bool		 is_anonymous;	/* no User-Agent */
};

/* Print the raw p0f signature of req into dst (dstsz includes the NUL;
 * output is cut to fit).  db may be NULL; when given, header names it
 * mentions are treated as known to p0f, which only changes whether '|'
 * ends a printed value.  Returns the full length, like snprintf, or 0 when
 * p0f would not fingerprint this request at all (not GET/HEAD with an
 * absolute path, over 32 headers, a header line p0f rejects, ...). */
size_t	p0f_http_request_sig(const struct http_request *req,
	    const struct p0f_http_db *db, char *dst, size_t dstsz);

/* Load the [http:request] signatures of the p0f.fp at path (or of the text
 * buf[0..len), named name in messages).  Returns 0, or -1 with a
 * "file:line: reason" message in err; on failure *db is left empty. */
int	p0f_http_load(struct p0f_http_db *db, const char *path, char *err,
	    size_t errsz);
int	p0f_http_load_mem(struct p0f_http_db *db, const char *buf, size_t len,
	    const char *name, char *err, size_t errsz);

/* Release everything p0f_http_load*() allocated; NULL-safe, idempotent. */
void	p0f_http_db_free(struct p0f_http_db *db);

/* Match req against db with p0f's rules: headers in order (others may sit
 * between), '?' headers may be missing but nowhere else, values are
 * substrings, absent headers must be absent; the first specific match
 * wins, else the first generic one.  Returns true on a match.  *out is
 * fully overwritten; is_anonymous is set even without a match.  Returns
 * false, with no match, when p0f would not fingerprint req. */
bool	p0f_http_match_request(const struct p0f_http_db *db,
	    const struct http_request *req, struct p0f_http_match *out);

#endif

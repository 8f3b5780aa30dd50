/* lib/json.h: streaming JSON writer into a caller-owned, fixed buffer.
 *
 * Commas and nesting are tracked by the writer.  Keys are given with each
 * value inside objects and must be NULL inside arrays.  Strings are escaped
 * and any byte that is not valid UTF-8 is written as \u00XX, so the output is
 * always valid JSON.  When the buffer is full the writer stops writing and
 * sets ->overflow; json_finish() then fails, and the caller drops the record
 * and counts it.  No allocation. */
#ifndef FP_LIB_JSON_H
#define FP_LIB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JSON_MAX_DEPTH	16

struct json {
	char		*buf;		/* borrowed from caller */
	size_t		 cap;
	size_t		 len;
	unsigned	 depth;
	bool		 overflow;
	bool		 bad_nesting;
	bool		 need_comma[JSON_MAX_DEPTH];
	uint32_t	 n_anomalies;	/* names json_anomalies() wrote */
};

void	json_init(struct json *j, char *buf, size_t cap);

/* Start a writer for a fragment: object members without the braces, to be
 * rendered once and copied into a record later with json_members(). */
void	json_init_members(struct json *j, char *buf, size_t cap);

/* An array of the names of the bits set in bits (bit i named names[i];
 * bits without a name are skipped); nothing when no bit is set. */
void	json_flag_names(struct json *j, const char *key, uint32_t bits,
	    const char *const *names, size_t n_names);

/* json_flag_names() for an analyzer's anomalies: the names written are
 * added to ->n_anomalies, which the pipeline counts per analyzer. */
void	json_anomalies(struct json *j, const char *key, uint32_t bits,
	    const char *const *names, size_t n_names);

/* A value already rendered as JSON (val[0..len)), e.g. from a cache. */
void	json_raw(struct json *j, const char *key, const char *val, size_t len);

/* Continue a fragment whose first len bytes are already rendered. */
void	json_resume_members(struct json *j, char *buf, size_t cap, size_t len);

/* Append members rendered by a fragment writer (its buf[0..len)) to the
 * object being written. */
void	json_members(struct json *j, const char *frag, size_t len);

/* Each member is its key (json_key_k(), inline, so that a literal key is
 * copied with a length known at compile time) and then its value (the
 * json_*_v() writers).  The wrappers below put the two together.  Keys are
 * the program's own: plain ASCII, written without escaping. */
static inline void
json_key_k(struct json *j, const char *key, size_t klen)
{
	bool comma = j->depth > 0 && j->need_comma[j->depth - 1];
	char *p;

	if (j->depth > 0)
		j->need_comma[j->depth - 1] = true;
	if (j->overflow || j->cap - j->len < klen + 4) {
		j->overflow = true;
		return;
	}
	p = j->buf + j->len;
	if (comma)
		*p++ = ',';
	if (key != NULL) {
		*p++ = '"';
		memcpy(p, key, klen);
		p += klen;
		*p++ = '"';
		*p++ = ':';
	}
	j->len = (size_t)(p - j->buf);
}

void	json_open_v(struct json *j, char c);
void	json_strn_v(struct json *j, const char *s, size_t n);
void	json_u64_v(struct json *j, uint64_t v);
void	json_i64_v(struct json *j, int64_t v);
void	json_bool_v(struct json *j, bool v);
void	json_null_v(struct json *j);
void	json_fixed_v(struct json *j, int64_t v, unsigned decimals);
void	json_time_us_v(struct json *j, uint64_t us);
void	json_obj_close(struct json *j);
void	json_arr_close(struct json *j);

static inline size_t
json_klen(const char *key)
{
	return key != NULL ? strlen(key) : 0;
}

static inline void
json_obj_open(struct json *j, const char *key)
{
	json_key_k(j, key, json_klen(key));
	json_open_v(j, '{');
}

static inline void
json_arr_open(struct json *j, const char *key)
{
	json_key_k(j, key, json_klen(key));
	json_open_v(j, '[');
}

/* A string of n bytes; escaped, never-valid UTF-8 written as \u00XX. */
static inline void
json_strn(struct json *j, const char *key, const char *s, size_t n)
{
	json_key_k(j, key, json_klen(key));
	json_strn_v(j, s, n);
}

static inline void
json_str(struct json *j, const char *key, const char *s)
{
	json_key_k(j, key, json_klen(key));
	json_strn_v(j, s, strlen(s));
}

static inline void
json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key_k(j, key, json_klen(key));
	json_u64_v(j, v);
}

static inline void
json_i64(struct json *j, const char *key, int64_t v)
{
	json_key_k(j, key, json_klen(key));
	json_i64_v(j, v);
}

static inline void
json_bool(struct json *j, const char *key, bool v)
{
	json_key_k(j, key, json_klen(key));
	json_bool_v(j, v);
}

static inline void
json_null(struct json *j, const char *key)
{
	json_key_k(j, key, json_klen(key));
	json_null_v(j);
}

/* A fixed-point number v / 10^decimals, e.g. (1234, 3) -> 1.234. */
static inline void
json_fixed(struct json *j, const char *key, int64_t v, unsigned decimals)
{
	json_key_k(j, key, json_klen(key));
	json_fixed_v(j, v, decimals);
}

/* A time as RFC 3339 UTC with microseconds ("2018-01-17T10:59:46.703072Z")
 * from microseconds since the epoch, without libc time functions. */
static inline void
json_time_us(struct json *j, const char *key, uint64_t us)
{
	json_key_k(j, key, json_klen(key));
	json_time_us_v(j, us);
}

/* Terminate the top-level value with '\n'.  Returns the length written, or 0
 * if the buffer overflowed or objects were left open. */
size_t	json_finish(struct json *j);

#endif

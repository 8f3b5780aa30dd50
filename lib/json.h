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

#define JSON_MAX_DEPTH	16

struct json {
	char		*buf;		/* borrowed from caller */
	size_t		 cap;
	size_t		 len;
	unsigned	 depth;
	bool		 overflow;
	bool		 bad_nesting;
	bool		 need_comma[JSON_MAX_DEPTH];
};

void	json_init(struct json *j, char *buf, size_t cap);
void	json_obj_open(struct json *j, const char *key);
void	json_obj_close(struct json *j);
void	json_arr_open(struct json *j, const char *key);
void	json_arr_close(struct json *j);
void	json_str(struct json *j, const char *key, const char *s);
void	json_strn(struct json *j, const char *key, const char *s, size_t n);
void	json_u64(struct json *j, const char *key, uint64_t v);
void	json_i64(struct json *j, const char *key, int64_t v);
void	json_bool(struct json *j, const char *key, bool v);
void	json_null(struct json *j, const char *key);
/* A fixed-point number v / 10^decimals, e.g. (1234, 3) -> 1.234. */
void	json_fixed(struct json *j, const char *key, int64_t v, unsigned decimals);

/* Terminate the top-level value with '\n'.  Returns the length written, or 0
 * if the buffer overflowed or objects were left open. */
size_t	json_finish(struct json *j);

#endif

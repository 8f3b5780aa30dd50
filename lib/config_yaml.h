/* lib/config_yaml.h: between lib/config.c and its YAML reader; not for
 * the programs. */
#ifndef FP_LIB_CONFIG_YAML_H
#define FP_LIB_CONFIG_YAML_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Append the values of the YAML file path (or, when buf is not NULL, of
 * buf[0..len) named path) to c.  Returns 0, or -1 with "FILE:LINE:COL: why"
 * in err. */
int	cfg_yaml_read(struct cfg *c, const char *path, const uint8_t *buf,
	    size_t len, char *err, size_t errsz);

/* A new value for option o given at file:line:col (1-based). */
struct cfg_value	*cfg_add_file_value(struct cfg *c,
			    const struct cfg_option *o, const char *file,
			    unsigned line, unsigned col);

/* A copy of s[0..len), NUL-terminated, owned by c. */
const char	*cfg_keep(struct cfg *c, const char *s, size_t len);

#endif

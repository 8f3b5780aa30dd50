/* lib/prom.h: Prometheus text exposition format 0.0.4, written into a
 * growable buffer on the metrics thread (never on the packet path).
 *
 * A family is announced once with prom_family() (# HELP and # TYPE), then
 * its samples follow.  Label sets are given already formatted, e.g.
 * "worker=\"0\""; prom_label() escapes a value for them. */
#ifndef FP_LIB_PROM_H
#define FP_LIB_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct prom_buf {
	char	*p;		/* NUL-terminated; owned */
	size_t	 len, cap;
	size_t	 max;		/* growth cap; past it ->failed */
	bool	 failed;	/* out of memory or over max: text cut */
};

void	prom_buf_init(struct prom_buf *b, size_t max);
void	prom_buf_free(struct prom_buf *b);
void	prom_buf_reset(struct prom_buf *b);
void	prom_printf(struct prom_buf *b, const char *fmt, ...)
	    FP_PRINTF(2, 3);

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void	prom_family(struct prom_buf *b, const char *name, const char *type,
	    const char *help);

/* One sample: name{labels} value; labels may be NULL or "". */
void	prom_u64(struct prom_buf *b, const char *name, const char *labels,
	    uint64_t v);

/* Write value into dst (dstsz bytes) escaped for a label value (\\, \",
 * \n).  Returns dst. */
const char	*prom_label(char *dst, size_t dstsz, const char *value);

/* A histogram family's samples: counts[i] observations <= bounds[i]
 * (not cumulative), counts[n] above the last bound; sum of the values. */
void	prom_histogram(struct prom_buf *b, const char *name,
	    const double *bounds, const uint64_t *counts, size_t n, double sum);

/* The bucket index of v for bounds[0..n): n when above all. */
size_t	prom_bucket(const double *bounds, size_t n, double v);

#endif

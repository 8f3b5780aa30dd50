/* lib/prom.c: Prometheus text exposition format 0.0.4. */
#include "prom.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
prom_buf_init(struct prom_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
prom_buf_free(struct prom_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
prom_buf_reset(struct prom_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static bool
prom_reserve(struct prom_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *n;

	if (b->len + more + 1 <= b->cap)
		return true;
	while (cap < b->len + more + 1)
		cap *= 2;
	if (cap > b->max || (n = realloc(b->p, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->p = n;
	b->cap = cap;
	return true;
}

void
prom_printf(struct prom_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !prom_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
prom_family(struct prom_buf *b, const char *name, const char *type,
    const char *help)
{
	prom_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
prom_u64(struct prom_buf *b, const char *name, const char *labels,
    uint64_t v)
{
	if (labels != NULL && labels[0] != '\0')
		prom_printf(b, "%s{%s} %" PRIu64 "\n", name, labels, v);
	else
		prom_printf(b, "%s %" PRIu64 "\n", name, v);
}

const char *
prom_label(char *dst, size_t dstsz, const char *value)
{
	size_t o = 0;

	for (const char *s = value; *s != '\0' && o + 3 < dstsz; s++) {
		if (*s == '\\' || *s == '"') {
			dst[o++] = '\\';
			dst[o++] = *s;
		} else if (*s == '\n') {
			dst[o++] = '\\';
			dst[o++] = 'n';
		} else {
			dst[o++] = *s;
		}
	}
	dst[o] = '\0';
	return dst;
}

void
prom_histogram(struct prom_buf *b, const char *name, const double *bounds,
    const uint64_t *counts, size_t n, double sum)
{
	uint64_t cum = 0;

	for (size_t i = 0; i < n; i++) {
		cum += counts[i];
		prom_printf(b, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name,
		    bounds[i], cum);
	}
	cum += counts[n];
	prom_printf(b, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
	prom_printf(b, "%s_sum %.17g\n%s_count %" PRIu64 "\n", name, sum, name,
	    cum);
}

size_t
prom_bucket(const double *bounds, size_t n, double v)
{
	size_t i = 0;

	while (i < n && v > bounds[i])
		i++;
	return i;
}

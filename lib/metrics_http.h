/* lib/metrics_http.h: the --metrics endpoint of fpsensor and fpsink.
 *
 * One thread serves HTTP/1.1 on ADDR:PORT with poll(): GET /metrics (the
 * Prometheus text of every registered collector), /healthz (200 while the
 * process serves), /readyz (200 once the program said it is ready, 503
 * before and after), 404 for any other path, 405 for any other method.
 * Each connection gets one request and one response, then is closed.
 *
 * Hostile clients: a request is at most METRICS_HTTP_REQ_MAX bytes (else
 * 431) and must arrive, and its response leave, within
 * METRICS_HTTP_TIMEOUT_MS; at most METRICS_HTTP_MAX_CONN connections are
 * open (a new one pushes out the oldest), so a slow or stuck client costs
 * one slot for a few seconds and never more descriptors.  The thread never
 * touches the packet path: collectors read snapshots (sensor/metrics.h).
 *
 * Adding metrics from a module (verdicts, models, rules, ...): write a
 * metrics_collect_fn that prints its families with lib/prom.h from state
 * that is safe to read from another thread (its own published snapshot, or
 * a mutex it holds briefly), and call metrics_http_register() at startup.
 * Names and labels are agreed in CONTRACTS (fpsensor_verdicts_total, ...). */
#ifndef FP_LIB_METRICS_HTTP_H
#define FP_LIB_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "prom.h"

#define METRICS_HTTP_MAX_CONN	16
#define METRICS_HTTP_REQ_MAX	8192
#define METRICS_HTTP_TIMEOUT_MS	5000
#define METRICS_HTTP_MAX_COLLECTORS	32

struct metrics_http;

/* Called on the metrics thread for each scrape of /metrics. */
typedef void	metrics_collect_fn(struct prom_buf *b, void *arg);

/* Check ADDR:PORT ("127.0.0.1:9100", "[::1]:9100", ":9100" for every
 * address) and that it can be bound now.  Returns 0, or -1 with err. */
int	metrics_check_addr(const char *addr, char *err, size_t errsz)
	    FP_WARN_UNUSED;

/* Listen on addr (port 0: any free port, see metrics_http_port()) and start
 * the thread.  Returns the server, or NULL with err. */
struct metrics_http	*metrics_http_start(const char *addr, char *err,
			    size_t errsz);

/* Add a collector; m may be NULL (no endpoint: nothing done).  Collectors
 * run in the order registered.  Returns 0, or -1 when the table is full. */
int	metrics_http_register(struct metrics_http *m, metrics_collect_fn *fn,
	    void *arg);

/* /readyz answers 200 from now on (true) or 503 (false).  m may be NULL. */
void	metrics_http_set_ready(struct metrics_http *m, bool ready);

/* The port listened on. */
uint16_t	metrics_http_port(const struct metrics_http *m);

/* Stop the thread, close every connection, free m (NULL: nothing). */
void	metrics_http_stop(struct metrics_http *m);

#endif

/* lib/metrics_http.c: a small HTTP/1.1 server thread for /metrics,
 * /healthz and /readyz. */
#include "metrics_http.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX	(16u << 20)

struct conn {
	int		 fd;		/* -1: free */
	uint64_t	 deadline_ms;
	uint64_t	 opened_ms;
	char		 req[METRICS_HTTP_REQ_MAX];
	size_t		 req_len;
	struct prom_buf	 out;		/* response being written */
	size_t		 out_off;
	bool		 is_writing;
	bool		 is_draining;	/* answered: read to EOF */
};

struct collector {
	metrics_collect_fn	*fn;
	void			*arg;
};

struct metrics_http {
	int		 lfd;
	int		 wake[2];	/* stop: a byte on wake[1] */
	uint16_t	 port;
	pthread_t	 thread;
	pthread_mutex_t	 lock;		/* collectors */
	struct collector coll[METRICS_HTTP_MAX_COLLECTORS];
	size_t		 n_coll;
	atomic_bool	 ready;
	uint64_t	 accept_pause_ms;	/* out of descriptors */
	struct conn	 conns[METRICS_HTTP_MAX_CONN];
	struct prom_buf	 body;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "HOST:PORT", "[V6]:PORT", ":PORT" -> a socket address. */
static int
parse_addr(const char *s, struct addrinfo **res, char *err, size_t errsz)
{
	char host[256];
	const char *colon = strrchr(s, ':'), *h = host;
	struct addrinfo hints;
	char *end;
	unsigned long port;
	size_t hl;
	int rc;

	if (colon == NULL || colon[1] == '\0') {
		snprintf(err, errsz, "'%s' is not ADDR:PORT", s);
		return -1;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || port > 65535 ||
	    colon[1] < '0' || colon[1] > '9') {
		snprintf(err, errsz, "'%s': port '%s' is not a number from 0 "
		    "to 65535", s, colon + 1);
		return -1;
	}
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host)) {
		snprintf(err, errsz, "address too long");
		return -1;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (hl == 0)
		h = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(host + hl + 1, sizeof(host) - hl - 1, "%lu", port);
	if ((rc = getaddrinfo(h, host + hl + 1, &hints, res)) != 0) {
		snprintf(err, errsz, "'%.*s' is not a numeric IP address: %s",
		    (int)hl, host, gai_strerror(rc));
		return -1;
	}
	return 0;
}

/* A listening, non-blocking socket on addr.  Returns it or -1 with err. */
static int
listen_on(const char *addr, uint16_t *port, char *err, size_t errsz)
{
	struct addrinfo *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1;

	if (parse_addr(addr, &ai, err, errsz) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) != 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errsz, "%s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	*port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int
metrics_check_addr(const char *addr, char *err, size_t errsz)
{
	uint16_t port;
	int fd = listen_on(addr, &port, err, errsz);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->req_len = 0;
	c->out_off = 0;
	c->is_writing = false;
	c->is_draining = false;
	prom_buf_reset(&c->out);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

static void
respond(struct conn *c, int status, const char *ctype, const char *body,
    size_t len)
{
	prom_buf_reset(&c->out);
	prom_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n%s\r\n", status,
	    reason(status), ctype, len, status == 405 ? "Allow: GET\r\n" : "");
	if (!c->out.failed && len > 0 && c->out.cap - c->out.len > len) {
		memcpy(c->out.p + c->out.len, body, len);
		c->out.len += len;
	} else if (len > 0) {
		prom_printf(&c->out, "%.*s", (int)len, body);
	}
	c->is_writing = true;
	c->out_off = 0;
}

static void
scrape(struct metrics_http *m, struct conn *c)
{
	prom_buf_reset(&m->body);
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n_coll; i++)
		m->coll[i].fn(&m->body, m->coll[i].arg);
	pthread_mutex_unlock(&m->lock);
	if (m->body.failed) {
		respond(c, 500, "text/plain", "metrics too large\n", 18);
		return;
	}
	respond(c, 200, PROM_CONTENT_TYPE, m->body.p, m->body.len);
}

/* A complete request head is in c->req: route it. */
static void
handle(struct metrics_http *m, struct conn *c)
{
	char method[16], target[512], version[16];
	char *q;

	c->req[c->req_len] = '\0';
	if (sscanf(c->req, "%15[A-Z] %511[^ \r\n] %15[^\r\n]", method, target,
	    version) != 3 || strncmp(version, "HTTP/1.", 7) != 0 ||
	    target[0] != '/') {
		respond(c, 400, "text/plain", "bad request\n", 12);
		return;
	}
	if (strcmp(method, "GET") != 0) {
		respond(c, 405, "text/plain", "only GET\n", 9);
		return;
	}
	if ((q = strchr(target, '?')) != NULL)
		*q = '\0';
	if (strcmp(target, "/metrics") == 0)
		scrape(m, c);
	else if (strcmp(target, "/healthz") == 0)
		respond(c, 200, "text/plain", "ok\n", 3);
	else if (strcmp(target, "/readyz") == 0 && atomic_load(&m->ready))
		respond(c, 200, "text/plain", "ready\n", 6);
	else if (strcmp(target, "/readyz") == 0)
		respond(c, 503, "text/plain", "not ready\n", 10);
	else
		respond(c, 404, "text/plain", "not found\n", 10);
}

/* After the response: what the client still sends is read and dropped
 * until it closes (or the deadline), so closing never resets a response
 * it has not read yet. */
static void
conn_drain(struct conn *c)
{
	char sink[4096];
	ssize_t n = read(c->fd, sink, sizeof(sink));

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		conn_close(c);
}

static void
conn_read(struct metrics_http *m, struct conn *c)
{
	ssize_t n;

	if (c->is_draining) {
		conn_drain(c);
		return;
	}
	n = read(c->fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (n < 0)
		return;
	c->req_len += (size_t)n;
	c->req[c->req_len] = '\0';
	if (strstr(c->req, "\r\n\r\n") != NULL ||
	    strstr(c->req, "\n\n") != NULL)
		handle(m, c);
	else if (memchr(c->req, '\0', c->req_len) != NULL)
		respond(c, 400, "text/plain", "bad request\n", 12);
	else if (c->req_len >= sizeof(c->req) - 1)
		respond(c, 431, "text/plain", "request too large\n", 18);
}

static void
conn_write(struct conn *c)
{
	ssize_t n = write(c->fd, c->out.p + c->out_off,
	    c->out.len - c->out_off);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->out_off += (size_t)n;
	if (c->out_off == c->out.len) {
		shutdown(c->fd, SHUT_WR);
		c->is_writing = false;
		c->is_draining = true;
	}
}

/* A free slot, or the oldest connection's, closed for the newcomer. */
static struct conn *
conn_slot(struct metrics_http *m)
{
	struct conn *oldest = &m->conns[0];

	for (size_t i = 0; i < METRICS_HTTP_MAX_CONN; i++) {
		if (m->conns[i].fd < 0)
			return &m->conns[i];
		if (m->conns[i].opened_ms < oldest->opened_ms)
			oldest = &m->conns[i];
	}
	conn_close(oldest);
	return oldest;
}

static void
accept_all(struct metrics_http *m, uint64_t now)
{
	for (;;) {
		int fd = accept4(m->lfd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("metrics: accept");
				m->accept_pause_ms = now + 100;
			}
			return;
		}
		c = conn_slot(m);
		c->fd = fd;
		c->opened_ms = now;
		c->deadline_ms = now + METRICS_HTTP_TIMEOUT_MS;
	}
}

/* Poll set: [0] wake pipe, [1] listener, then the connections. */
static int
poll_once(struct metrics_http *m)
{
	struct pollfd pfd[2 + METRICS_HTTP_MAX_CONN];
	struct conn *who[2 + METRICS_HTTP_MAX_CONN];
	uint64_t now = now_ms(), next = now + 1000;
	nfds_t n = 2;

	pfd[0] = (struct pollfd){ .fd = m->wake[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = now >= m->accept_pause_ms ? m->lfd :
	    -1, .events = POLLIN };
	for (size_t i = 0; i < METRICS_HTTP_MAX_CONN; i++) {
		struct conn *c = &m->conns[i];

		if (c->fd < 0)
			continue;
		if (now >= c->deadline_ms) {
			conn_close(c);		/* too slow: dropped */
			continue;
		}
		if (c->deadline_ms < next)
			next = c->deadline_ms;
		who[n] = c;
		pfd[n++] = (struct pollfd){ .fd = c->fd,
		    .events = c->is_writing ? POLLOUT : POLLIN };
	}
	if (poll(pfd, n, (int)(next - now)) < 0)
		return errno == EINTR ? 0 : -1;
	if (pfd[0].revents)
		return -1;
	now = now_ms();
	for (nfds_t i = 2; i < n; i++) {
		if (pfd[i].revents & (POLLERR | POLLNVAL))
			conn_close(who[i]);
		else if (pfd[i].revents && who[i]->is_writing)
			conn_write(who[i]);
		else if (pfd[i].revents)
			conn_read(m, who[i]);
	}
	if (pfd[1].revents & POLLIN)
		accept_all(m, now);
	return 0;
}

static void *
serve(void *arg)
{
	struct metrics_http *m = arg;

	while (poll_once(m) == 0)
		;
	return NULL;
}

struct metrics_http *
metrics_http_start(const char *addr, char *err, size_t errsz)
{
	struct metrics_http *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		snprintf(err, errsz, "metrics: %s", strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < METRICS_HTTP_MAX_CONN; i++) {
		m->conns[i].fd = -1;
		prom_buf_init(&m->conns[i].out, BODY_MAX + 4096);
	}
	prom_buf_init(&m->body, BODY_MAX);
	pthread_mutex_init(&m->lock, NULL);
	m->wake[0] = m->wake[1] = -1;
	if ((m->lfd = listen_on(addr, &m->port, err, errsz)) < 0)
		goto fail;
	if (pipe2(m->wake, O_CLOEXEC) != 0 ||
	    pthread_create(&m->thread, NULL, serve, m) != 0) {
		snprintf(err, errsz, "metrics: %s", strerror(errno));
		goto fail;
	}
	return m;
fail:
	if (m->lfd >= 0)
		close(m->lfd);
	if (m->wake[0] >= 0) {
		close(m->wake[0]);
		close(m->wake[1]);
	}
	prom_buf_free(&m->body);
	for (size_t i = 0; i < METRICS_HTTP_MAX_CONN; i++)
		prom_buf_free(&m->conns[i].out);
	free(m);
	return NULL;
}

int
metrics_http_register(struct metrics_http *m, metrics_collect_fn *fn,
    void *arg)
{
	int rc = -1;

	if (m == NULL)
		return 0;
	pthread_mutex_lock(&m->lock);
	if (m->n_coll < METRICS_HTTP_MAX_COLLECTORS) {
		m->coll[m->n_coll++] = (struct collector){ fn, arg };
		rc = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

void
metrics_http_set_ready(struct metrics_http *m, bool ready)
{
	if (m != NULL)
		atomic_store(&m->ready, ready);
}

uint16_t
metrics_http_port(const struct metrics_http *m)
{
	return m->port;
}

void
metrics_http_stop(struct metrics_http *m)
{
	if (m == NULL)
		return;
	if (write(m->wake[1], "x", 1) != 1)
		log_warn("metrics: stop");
	pthread_join(m->thread, NULL);
	for (size_t i = 0; i < METRICS_HTTP_MAX_CONN; i++) {
		conn_close(&m->conns[i]);
		prom_buf_free(&m->conns[i].out);
	}
	close(m->lfd);
	close(m->wake[0]);
	close(m->wake[1]);
	prom_buf_free(&m->body);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

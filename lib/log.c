/* lib/log.c: key=value log lines on stderr. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_BURST_PER_SEC	50
#define LOG_REPEAT_SLOTS	64

/* The same message (same format string) more than log_repeat_max times in
 * log_repeat_window seconds is counted, not printed; the count is printed
 * when the window ends (at its next occurrence) or at exit. */
struct log_repeat {
	const char	*fmt;
	time_t		 since;
	unsigned	 n;
	unsigned long	 suppressed;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_repeat log_rep[LOG_REPEAT_SLOTS];
static unsigned log_repeat_max = 10;
static unsigned log_repeat_window = 60;

static const char *log_prog = "fpsensor";
static enum log_level log_max = LOG_LEVEL_WARN;
static time_t log_window;
static unsigned log_in_window;
static unsigned long log_suppressed;

static const char *const log_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static void
log_repeat_flush(struct log_repeat *r)
{
	char f[96];
	size_t o = 0;

	if (r->suppressed == 0)
		return;
	for (const char *m = r->fmt; *m != '\0' && o < sizeof(f) - 3; m++) {
		if (*m == '"' || *m == '\\')
			f[o++] = '\\';
		f[o++] = *m == '\n' ? ' ' : *m;
	}
	f[o] = '\0';
	fprintf(stderr, "prog=%s level=warn msg=\"%lu repeats of a message "
	    "suppressed\" format=\"%s\"\n", log_prog, r->suppressed, f);
	r->suppressed = 0;
}

static void
log_at_exit(void)
{
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < LOG_REPEAT_SLOTS; i++)
		log_repeat_flush(&log_rep[i]);
	pthread_mutex_unlock(&log_lock);
}

void
log_init(const char *progname, enum log_level level)
{
	static int registered;

	log_prog = progname;
	log_max = level;
	if (!registered++)
		atexit(log_at_exit);
}

void
log_set_repeat(unsigned max, unsigned window_s)
{
	log_repeat_max = max;
	log_repeat_window = window_s;
}

/* 1 when this occurrence of fmt may be printed. */
static int
log_repeat_ok(const char *fmt, time_t now)
{
	struct log_repeat *r = &log_rep[((uintptr_t)fmt >> 3) %
	    LOG_REPEAT_SLOTS];

	if (r->fmt != fmt || now - r->since >= (time_t)log_repeat_window) {
		log_repeat_flush(r);
		r->fmt = fmt;
		r->since = now;
		r->n = 0;
	}
	if (r->n >= log_repeat_max) {
		r->suppressed++;
		return 0;
	}
	r->n++;
	return 1;
}

void
log_set_level(enum log_level level)
{
	log_max = level;
}

static int
log_allowed(enum log_level level, const char *fmt)
{
	time_t now;

	if (level > log_max)
		return 0;
	if (level <= LOG_LEVEL_ERROR || level == LOG_LEVEL_DEBUG)
		return 1;
	now = time(NULL);
	if (!log_repeat_ok(fmt, now))
		return 0;
	if (now != log_window) {
		if (log_suppressed)
			fprintf(stderr, "prog=%s level=warn msg=\"%lu log "
			    "lines suppressed\"\n", log_prog, log_suppressed);
		log_window = now;
		log_in_window = 0;
		log_suppressed = 0;
	}
	if (log_in_window >= LOG_BURST_PER_SEC) {
		log_suppressed++;
		return 0;
	}
	log_in_window++;
	return 1;
}

/* Message text is quoted; embedded quotes and newlines are escaped. */
static void
log_emit(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char msg[1024];
	char out[2200];
	size_t o = 0;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (const char *m = msg; *m != '\0' && o < sizeof(out) - 3; m++) {
		if (*m == '"' || *m == '\\')
			out[o++] = '\\';
		out[o++] = *m == '\n' ? ' ' : *m;
	}
	out[o] = '\0';
	if (errnum)
		fprintf(stderr, "prog=%s level=%s msg=\"%s: %s\"\n", log_prog,
		    log_names[level], out, strerror(errnum));
	else
		fprintf(stderr, "prog=%s level=%s msg=\"%s\"\n", log_prog,
		    log_names[level], out);
}

#define LOG_BODY(level, errnum) do {					\
	va_list ap;							\
	pthread_mutex_lock(&log_lock);					\
	if (log_allowed(level, fmt)) {					\
		va_start(ap, fmt);					\
		log_emit(level, errnum, fmt, ap);			\
		va_end(ap);						\
	}								\
	pthread_mutex_unlock(&log_lock);				\
} while (0)

void
log_warn(const char *fmt, ...)
{
	int e = errno;

	LOG_BODY(LOG_LEVEL_WARN, e);
}

void
log_errx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, 0);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, 0);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, 0);
}

void
fatal(int status, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, e, fmt, ap);
	va_end(ap);
	exit(status);
}

void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(status);
}

/* lib/log.c: key=value log lines on stderr. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_BURST_PER_SEC	50

static const char *log_prog = "fpsensor";
static enum log_level log_max = LOG_LEVEL_WARN;
static time_t log_window;
static unsigned log_in_window;
static unsigned long log_suppressed;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;	/* the
					 * burst window: live capture workers
					 * log from their own threads */

static const char *const log_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void
log_init(const char *progname, enum log_level level)
{
	log_prog = progname;
	log_max = level;
}

void
log_set_level(enum log_level level)
{
	log_max = level;
}

static int
log_allowed_locked(void)
{
	time_t now;

	now = time(NULL);
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

static int
log_allowed(enum log_level level)
{
	int ok;

	if (level > log_max)
		return 0;
	if (level <= LOG_LEVEL_ERROR || level == LOG_LEVEL_DEBUG)
		return 1;
	pthread_mutex_lock(&log_lock);
	ok = log_allowed_locked();
	pthread_mutex_unlock(&log_lock);
	return ok;
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
	if (!log_allowed(level))					\
		return;							\
	va_start(ap, fmt);						\
	log_emit(level, errnum, fmt, ap);				\
	va_end(ap);							\
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

/* lib/log.h: key=value log lines on stderr (Kubernetes-friendly).
 *
 * log_warn() appends strerror(errno), log_warnx() does not (OpenBSD
 * convention).  Messages above debug level are rate limited so a hostile
 * input cannot flood the log: at most 50 lines a second, and the same
 * message (format string) at most 10 times a minute; what is held back is
 * counted and the count printed as its own line (when the second or minute
 * ends, or at exit).  Safe from several threads.  Records never go
 * through here. */
#ifndef FP_LIB_LOG_H
#define FP_LIB_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

#if defined(__GNUC__)
#define FP_PRINTF(f, a)		__attribute__((format(printf, f, a)))
#define FP_WARN_UNUSED		__attribute__((warn_unused_result))
#else
#define FP_PRINTF(f, a)
#define FP_WARN_UNUSED
#endif

/* Set the program name and the most verbose level printed. */
void	log_init(const char *progname, enum log_level level);
void	log_set_level(enum log_level level);

/* The repeat limit: max times per window_s seconds (tests). */
void	log_set_repeat(unsigned max, unsigned window_s);

/* An error the program reports and survives (or exits on by itself). */
void	log_errx(const char *fmt, ...) FP_PRINTF(1, 2);
void	log_warn(const char *fmt, ...) FP_PRINTF(1, 2);
void	log_warnx(const char *fmt, ...) FP_PRINTF(1, 2);
void	log_info(const char *fmt, ...) FP_PRINTF(1, 2);
void	log_debug(const char *fmt, ...) FP_PRINTF(1, 2);

/* Startup and loader failures only: print and exit(status). */
_Noreturn void	fatal(int status, const char *fmt, ...) FP_PRINTF(2, 3);
_Noreturn void	fatalx(int status, const char *fmt, ...) FP_PRINTF(2, 3);

#endif

/* analyzers/ja4t.h: JA4T / JA4TS, the TCP client and server fingerprints.
 *
 * JA4T is part of JA4+ and is licensed under the FoxIO License 1.1 (internal
 * use allowed; resale or a hosted service needs FoxIO's licence).  Built
 * only with ./configure --enable-ja4plus.
 *
 * Format: window_options_mss_wscale, where options are the kind numbers of
 * every option in order, '-' separated, each EOL padding byte included. */
#ifndef FP_ANALYZERS_JA4T_H
#define FP_ANALYZERS_JA4T_H

#include <stddef.h>
#include <stdint.h>

#define JA4T_STR_MAX	192

/* Format the JA4T of a SYN (or JA4TS of a SYN+ACK) with window win and
 * option bytes opts[0..len).  Returns the length it would have written,
 * like snprintf.  Pure. */
size_t	ja4t_format(uint16_t win, const uint8_t *opts, size_t len, char *dst,
	    size_t dstsz);

#endif

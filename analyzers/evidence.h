/* analyzers/evidence.h: what a flow says about its client, gathered from
 * the analyzers' states when its record is written, for the verdict.
 *
 * An analyzer with an evidence() callback fills its part of one struct
 * evidence per record.  Strings are either bounded copies (TCP, formatted
 * then) or borrowed views into the flow's record fragments: those stay
 * valid until the analyzers' end() callbacks run, i.e. during the emit
 * only.  Nothing is allocated. */
#ifndef FP_ANALYZERS_EVIDENCE_H
#define FP_ANALYZERS_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EV_TCP		0x01u	/* a client SYN was fingerprinted */
#define EV_TLS		0x02u	/* a ClientHello was rendered */
#define EV_HTTP		0x04u	/* an HTTP request was rendered */

#define EV_SIG_MAX	160	/* TCP_SIG_STR_MAX */
#define EV_LABEL_MAX	144	/* p0f label text */
#define EV_JA4T_MAX	192	/* JA4T_STR_MAX */

/* A borrowed string: s[0..len), not NUL-terminated; len 0: absent. */
struct ev_str {
	const char	*s;
	size_t		 len;
};

struct evidence {
	uint32_t	 have;			/* EV_* */
	/* TCP: the client's SYN. */
	char		 tcp_sig[EV_SIG_MAX];	/* raw p0f signature */
	char		 tcp_p0f[EV_LABEL_MAX];	/* p0f label, "" none */
	char		 tcp_p0f_class[16];	/* "unix", "win", "!", "" */
	char		 ja4t[EV_JA4T_MAX];	/* "" without JA4+ */
	/* TLS: the first ClientHello. */
	struct ev_str	 ja4;
	struct ev_str	 ja4_r;
	struct ev_str	 ja3_hash;
	struct ev_str	 alpn;			/* first protocol offered */
	bool		 tls_grease;
	/* HTTP: the first request. */
	struct ev_str	 user_agent;		/* absent if it was escaped */
	struct ev_str	 header_order;
	struct ev_str	 p0f_http;		/* p0f HTTP label */
};

static inline void
ev_str_set(struct ev_str *e, const char *s, size_t len)
{
	e->s = s;
	e->len = len;
}

#endif

/* analyzers/p0f_db.h: p0f v3 signature database (p0f.fp format), TCP part.
 *
 * The sensor reads p0f's own file format so users keep the databases they
 * have.  Loading validates every line and fails with "file:line: reason";
 * matching follows p0f's rules: exact signatures first, then generic ones,
 * then a fuzzy match (quirks df/id+ gone or id-/ecn added, TTL too far).
 * The [http:*] sections are skipped here (see analyzers/p0f_http.h).
 * A loaded database is immutable and may be shared by threads. */
#ifndef FP_ANALYZERS_P0F_DB_H
#define FP_ANALYZERS_P0F_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/tcp_sig.h"

enum p0f_win_type {
	P0F_WIN_NORMAL = 0,
	P0F_WIN_ANY,
	P0F_WIN_MOD,
	P0F_WIN_MSS,
	P0F_WIN_MTU,
};

struct p0f_label {
	bool		 generic;	/* "g:" label */
	bool		 is_userland;	/* class "!": a tool, not an OS */
	char		 class_name[16];
	char		 name[64];
	char		 flavor[64];	/* may be empty */
};

struct p0f_tcp_entry {
	int8_t		 ip_version;	/* 4, 6, or -1 for any */
	uint8_t		 ittl;
	bool		 bad_ttl;	/* "ttl-": randomised TTL */
	uint8_t		 ip_opt_len;
	int32_t		 mss;		/* -1 for any */
	uint8_t		 win_type;	/* enum p0f_win_type */
	uint32_t	 win;
	int16_t		 wscale;	/* -1 for any */
	uint8_t		 layout[TCP_MAX_OPTS];
	uint8_t		 n_opts;
	uint8_t		 eol_pad;
	uint32_t	 quirks;
	int8_t		 pay_class;	/* -1 any, 0 none, 1 some */
	uint32_t	 label;		/* index into labels */
	uint32_t	 line;
};

struct p0f_mtu_entry {
	uint16_t	 mtu;
	uint32_t	 label;		/* index into mtu_labels */
};

/* Signatures sharing one option layout: only these can match a packet
 * with that layout, so matching scans one group, in file order. */
struct p0f_layout_group {
	uint8_t		 layout[TCP_MAX_OPTS];
	uint8_t		 n_opts;
	uint32_t	 first;		/* index into tcp[side] */
	uint32_t	 count;
};

struct p0f_db {
	char			 path[256];
	struct p0f_label	*labels;
	size_t			 n_labels;
	struct p0f_tcp_entry	*tcp[2];	/* [0] SYN, [1] SYN+ACK */
	size_t			 n_tcp[2];
	struct p0f_layout_group	*groups[2];	/* entries grouped by layout */
	size_t			 n_groups[2];
	struct p0f_mtu_entry	*mtu;
	size_t			 n_mtu;
	char			(*mtu_labels)[64];
	size_t			 n_mtu_labels;
	size_t			 n_http_lines;	/* skipped here */
	uint64_t		 serial;	/* unique per load in a process */
};

struct p0f_match {
	const struct p0f_tcp_entry	*entry;	/* NULL: no match */
	const struct p0f_label		*label;
	bool				 fuzzy;
	uint8_t				 dist;
};

/* Load path.  Returns the database (owned by caller, p0f_db_free()), or
 * NULL with a message "path:line: reason" in err. */
struct p0f_db	*p0f_db_load(const char *path, char *err, size_t errsz);
void		 p0f_db_free(struct p0f_db *db);

/* Match a SYN (sig->is_synack false) or SYN+ACK signature.  syn_mss is the
 * MSS of the SYN a SYN+ACK answers.  Pure. */
void		 p0f_db_match_tcp(const struct p0f_db *db,
		    const struct tcp_sig *sig, uint16_t syn_mss,
		    struct p0f_match *m);

/* p0f's "params" text for a match: "generic fuzzy", "none", ... */
size_t		 p0f_match_params(const struct p0f_match *m,
		    const struct tcp_sig *sig, char *dst, size_t dstsz);

/* "name flavor" of a label, as p0f prints it. */
size_t		 p0f_label_str(const struct p0f_label *l, char *dst,
		    size_t dstsz);

/* The link type p0f's [mtu] section gives for an MTU, or NULL. */
const char	*p0f_db_mtu_link(const struct p0f_db *db, uint16_t mtu);

#endif

/* analyzers/ssh.h: SSH identification string and KEXINIT (RFC 4253), with
 * HASSH and HASSH-server (Salesforce, BSD-3-Clause):
 *
 *   hassh        = md5("kex;enc_c2s;mac_c2s;cmp_c2s") of the client KEXINIT
 *   hassh_server = md5("kex;enc_s2c;mac_s2c;cmp_s2c") of the server KEXINIT
 *
 * Pure parsers over the first bytes of one direction of a TCP stream.
 * JA4SSH and JA4L need packet timing and live in the flow glue. */
#ifndef FP_ANALYZERS_SSH_H
#define FP_ANALYZERS_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSH_MAX_IDENT		255	/* RFC 4253 4.2, CR LF included */
#define SSH_MAX_LINE		1024	/* any line we wait for */
#define SSH_MAX_PRE_LINES	16	/* lines a server may send first */
#define SSH_MAX_PACKET		35000	/* RFC 4253 6.1 */
#define SSH_MAX_NAMELIST	1023	/* stored chars per name-list */
#define SSH_MAX_SKIPPED		4	/* IGNORE/DEBUG packets before KEXINIT */
#define SSH_HASSH_RAW		(4 * (SSH_MAX_NAMELIST + 1))

#define SSH_ANOM_BARE_LF		0x0001u	/* line ended by LF alone */
#define SSH_ANOM_IDENT_TOO_LONG		0x0002u	/* over 255 bytes */
#define SSH_ANOM_IDENT_CHARS		0x0004u	/* control or non-ASCII byte */
#define SSH_ANOM_PRE_LINES		0x0008u	/* lines before "SSH-" */
#define SSH_ANOM_NO_SOFTWARE		0x0010u	/* "SSH-2.0" without "-sw" */
#define SSH_ANOM_SHORT_PADDING		0x0020u	/* padding_length < 4 */
#define SSH_ANOM_BLOCK_ALIGN		0x0040u	/* length not a multiple of 8 */
#define SSH_ANOM_NAMELIST_CUT		0x0080u	/* over SSH_MAX_NAMELIST */
#define SSH_ANOM_NAMELIST_CHARS		0x0100u	/* non-printable in a list */
#define SSH_ANOM_TRAILING		0x0200u	/* bytes after KEXINIT fields */
#define SSH_ANOM_SKIPPED_PACKETS	0x0400u	/* IGNORE/DEBUG came first */
#define SSH_ANOM_RESERVED		0x0800u	/* reserved field not 0 */

enum ssh_status {
	SSH_OK,
	SSH_NEED_MORE,
	SSH_NOT_SSH,
	SSH_MALFORMED
};

struct ssh_ident {
	char		line[SSH_MAX_IDENT + 1];	/* without CR LF */
	char		proto[16];			/* "2.0", "1.99" */
	char		software[SSH_MAX_IDENT + 1];
	char		comments[SSH_MAX_IDENT + 1];
	uint16_t	n_pre_lines;
	size_t		consumed;	/* through the identification LF */
	uint32_t	anomalies;	/* SSH_ANOM_* */
};

enum ssh_list {
	SSH_KEX, SSH_HOSTKEY, SSH_ENC_C2S, SSH_ENC_S2C, SSH_MAC_C2S,
	SSH_MAC_S2C, SSH_CMP_C2S, SSH_CMP_S2C, SSH_LANG_C2S, SSH_LANG_S2C,
	SSH_N_LISTS
};

struct ssh_kexinit {
	uint8_t		cookie[16];
	char		lists[SSH_N_LISTS][SSH_MAX_NAMELIST + 1];
	uint32_t	list_len[SSH_N_LISTS];	/* on the wire */
	bool		is_first_kex_follows;
	uint32_t	reserved;
	uint32_t	packet_len;
	uint8_t		padding_len;
	uint8_t		n_skipped;	/* IGNORE/DEBUG packets before it */
	size_t		consumed;	/* through the KEXINIT packet */
	uint32_t	anomalies;	/* SSH_ANOM_* */
};

/* Find and parse the identification line at the start of buf[0..len),
 * after at most SSH_MAX_PRE_LINES other text lines (RFC 4253 4.2 lets a
 * server send them; any text stream is therefore NEED_MORE for a while:
 * to detect SSH by content, look for "SSH-" at offset 0 first).  Pure;
 * *out is fully overwritten.  out->consumed is where the binary packets
 * start. */
enum ssh_status ssh_parse_ident(const uint8_t *buf, size_t len,
		    struct ssh_ident *out);

/* Parse the binary packets at buf[0..len) (just after the identification
 * line, before NEWKEYS, so unencrypted and without MAC) up to the first
 * KEXINIT; IGNORE and DEBUG packets before it are skipped.  Pure; every
 * field of *out is set (a name-list's storage past its NUL is left as it
 * was). */
enum ssh_status ssh_parse_kexinit(const uint8_t *buf, size_t len,
		    struct ssh_kexinit *out);

/* HASSH (is_server false) or HASSH-server (true): the raw string into raw
 * (rawsz includes the NUL; SSH_HASSH_RAW is always enough) and its MD5 as
 * 32 lower-case hex digits into md5.  Returns the raw string's length. */
size_t		ssh_hassh(const struct ssh_kexinit *k, bool is_server,
		    char *raw, size_t rawsz, char md5[33]);

#endif

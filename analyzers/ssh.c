/* analyzers/ssh.c: SSH identification, KEXINIT and HASSH. */
#include "analyzers/ssh.h"

#include <stdio.h>
#include <string.h>


#include "analyzers/tls_fp.h"
#include "cursor.h"

#define MSG_IGNORE	2
#define MSG_DEBUG	4
#define MSG_KEXINIT	20

/* Copy [s, s+n) into dst (dstsz) cut to fit, NUL-terminated. */
static void
copy_cut(char *dst, size_t dstsz, const uint8_t *s, size_t n)
{
	if (n > dstsz - 1)
		n = dstsz - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Split "SSH-proto-software comments" into its fields. */
static void
split_ident(struct ssh_ident *out, const uint8_t *l, size_t n)
{
	const uint8_t *p = l + 4, *end = l + n, *dash, *sp;

	dash = memchr(p, '-', (size_t)(end - p));
	if (dash == NULL) {
		out->anomalies |= SSH_ANOM_NO_SOFTWARE;
		copy_cut(out->proto, sizeof(out->proto), p, (size_t)(end - p));
		return;
	}
	copy_cut(out->proto, sizeof(out->proto), p, (size_t)(dash - p));
	p = dash + 1;
	sp = memchr(p, ' ', (size_t)(end - p));
	copy_cut(out->software, sizeof(out->software), p,
	    (size_t)((sp != NULL ? sp : end) - p));
	if (sp != NULL)
		copy_cut(out->comments, sizeof(out->comments), sp + 1,
		    (size_t)(end - sp - 1));
}

/* A line a server may send before its identification: text only. */
static bool
is_text(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\r') || p[i] == 0x7f)
			return false;
	return true;
}

enum ssh_status
ssh_parse_ident(const uint8_t *buf, size_t len, struct ssh_ident *out)
{
	struct cursor c = cur_init(buf, len);

	memset(out, 0, sizeof(*out));
	for (;;) {
		size_t left = cur_left(&c), n, raw;
		const uint8_t *l = c.p;
		const uint8_t *lf = memchr(l, '\n', left);

		if (lf == NULL) {
			if (!is_text(l, left) || left >= SSH_MAX_LINE)
				return SSH_NOT_SSH;
			return SSH_NEED_MORE;
		}
		raw = n = (size_t)(lf - l);
		if (raw + 1 > SSH_MAX_LINE || !is_text(l, raw))
			return SSH_NOT_SSH;
		cur_skip(&c, raw + 1);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		else
			out->anomalies |= SSH_ANOM_BARE_LF;
		if (n < 4 || memcmp(l, "SSH-", 4) != 0) {
			out->anomalies |= SSH_ANOM_PRE_LINES;
			if (++out->n_pre_lines > SSH_MAX_PRE_LINES)
				return SSH_NOT_SSH;
			continue;
		}
		if (raw + 1 > SSH_MAX_IDENT)
			out->anomalies |= SSH_ANOM_IDENT_TOO_LONG;
		for (size_t i = 0; i < n; i++)
			if (l[i] < 0x20 || l[i] >= 0x7f) {
				out->anomalies |= SSH_ANOM_IDENT_CHARS;
				break;
			}
		copy_cut(out->line, sizeof(out->line), l, n);
		split_ident(out, l, n);
		out->consumed = (size_t)(c.p - buf);
		return SSH_OK;
	}
}

/* One name-list (RFC 4251 5): uint32 length, then the names. */
static bool
read_namelist(struct cursor *c, char *dst, uint32_t *wire_len,
    uint32_t *anom)
{
	uint32_t n = cur_be32(c);
	struct cursor s = cur_sub(c, n);

	if (s.bad)
		return false;
	*wire_len = n;
	for (uint32_t i = 0; i < n; i++)
		if (s.p[i] < 0x21 || s.p[i] >= 0x7f) {
			*anom |= SSH_ANOM_NAMELIST_CHARS;
			break;
		}
	if (n > SSH_MAX_NAMELIST)
		*anom |= SSH_ANOM_NAMELIST_CUT;
	copy_cut(dst, SSH_MAX_NAMELIST + 1, s.p, n);
	return true;
}

static enum ssh_status
read_kexinit(struct cursor *pl, struct ssh_kexinit *out)
{
	cur_copy(pl, out->cookie, sizeof(out->cookie));
	for (int i = 0; i < SSH_N_LISTS; i++)
		if (!read_namelist(pl, out->lists[i], &out->list_len[i],
		    &out->anomalies))
			return SSH_MALFORMED;
	out->is_first_kex_follows = cur_u8(pl) != 0;
	out->reserved = cur_be32(pl);
	if (pl->bad)
		return SSH_MALFORMED;
	if (out->reserved != 0)
		out->anomalies |= SSH_ANOM_RESERVED;
	if (cur_left(pl) > 0)
		out->anomalies |= SSH_ANOM_TRAILING;
	return SSH_OK;
}

/* Empty name-lists and zero fields, without clearing the 10 KiB of list
 * storage that a parse tried again as more bytes arrive would clear each
 * time: every list is read up to its NUL. */
static void
kexinit_reset(struct ssh_kexinit *out)
{
	memset(out->cookie, 0, sizeof(out->cookie));
	for (int i = 0; i < SSH_N_LISTS; i++) {
		out->lists[i][0] = '\0';
		out->list_len[i] = 0;
	}
	out->is_first_kex_follows = false;
	out->reserved = 0;
	out->packet_len = 0;
	out->padding_len = 0;
	out->n_skipped = 0;
	out->consumed = 0;
	out->anomalies = 0;
}

enum ssh_status
ssh_parse_kexinit(const uint8_t *buf, size_t len, struct ssh_kexinit *out)
{
	struct cursor c = cur_init(buf, len);

	kexinit_reset(out);
	for (;;) {
		uint32_t plen;
		uint8_t pad, type;
		struct cursor pkt, pl;

		if (cur_left(&c) < 6)
			return SSH_NEED_MORE;
		plen = cur_be32(&c);
		if (plen < 2 || plen > SSH_MAX_PACKET)
			return SSH_MALFORMED;
		if (cur_left(&c) < plen)
			return SSH_NEED_MORE;
		pkt = cur_sub(&c, plen);
		pad = cur_u8(&pkt);
		if (pad >= plen)
			return SSH_MALFORMED;
		pl = cur_sub(&pkt, plen - 1 - pad);
		type = cur_u8(&pl);
		if (type == MSG_IGNORE || type == MSG_DEBUG) {
			out->anomalies |= SSH_ANOM_SKIPPED_PACKETS;
			if (++out->n_skipped > SSH_MAX_SKIPPED)
				return SSH_MALFORMED;
			continue;
		}
		if (type != MSG_KEXINIT)
			return SSH_MALFORMED;
		out->packet_len = plen;
		out->padding_len = pad;
		if (pad < 4)
			out->anomalies |= SSH_ANOM_SHORT_PADDING;
		if ((plen + 4) % 8 != 0)
			out->anomalies |= SSH_ANOM_BLOCK_ALIGN;
		out->consumed = (size_t)(c.p - buf);
		return read_kexinit(&pl, out);
	}
}

size_t
ssh_hassh(const struct ssh_kexinit *k, bool is_server, char *raw,
    size_t rawsz, char md5[33])
{
	char tmp[SSH_HASSH_RAW];
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s;%s;%s;%s", k->lists[SSH_KEX],
	    k->lists[is_server ? SSH_ENC_S2C : SSH_ENC_C2S],
	    k->lists[is_server ? SSH_MAC_S2C : SSH_MAC_C2S],
	    k->lists[is_server ? SSH_CMP_S2C : SSH_CMP_C2S]);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(tmp))
		n = (int)sizeof(tmp) - 1;
	/* libcrypto's MD5 on the stack (sensor-wide, memoized): an EVP
	 * digest allocates at every call. */
	(void)tls_fp_md5_hex(tmp, (size_t)n, md5, 33);
	if (rawsz > 0)
		snprintf(raw, rawsz, "%s", tmp);
	return (size_t)n;
}

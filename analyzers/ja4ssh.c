/* analyzers/ja4ssh.c: JA4SSH (FoxIO License 1.1): per-window payload
 * length modes, packet and bare ACK counts. */
#include "analyzers/ja4ssh.h"

#include <stdio.h>
#include <string.h>

#define BARE_ACK	0x10
#define SSH_MSG_NEWKEYS	21
#define MAX_PACKET	(256u * 1024)	/* longer: lost track */

void
ja4ssh_init(struct ja4ssh *s, uint32_t client_acks, uint32_t server_acks)
{
	memset(s->side, 0, sizeof(s->side));
	s->n = 0;
	s->n_ack[0] = client_acks;
	s->n_ack[1] = server_acks;
	s->n_fp = 0;
	s->n_dropped = 0;
}

/* The most frequent length among side's packets of the window, the
 * smallest on a tie; 0 if the side sent none. */
static uint16_t
window_mode(const struct ja4ssh *s, int side)
{
	uint16_t best = 0;
	unsigned best_n = 0;

	for (uint16_t i = 0; i < s->n; i++) {
		unsigned n = 0;

		if (s->is_server[i] != side)
			continue;
		for (uint16_t k = 0; k < s->n; k++)
			n += s->is_server[k] == side && s->len[k] == s->len[i];
		if (n > best_n || (n == best_n && s->len[i] < best)) {
			best = s->len[i];
			best_n = n;
		}
	}
	return best;
}

bool
ja4ssh_pending(const struct ja4ssh *s, struct ja4ssh_fp *out)
{
	memset(out, 0, sizeof(*out));
	if (s->n == 0)
		return false;
	for (int side = 0; side < 2; side++) {
		out->mode[side] = window_mode(s, side);
		out->n_ack[side] = s->n_ack[side];
	}
	for (uint16_t i = 0; i < s->n; i++)
		out->n_ssh[s->is_server[i]]++;
	return true;
}

static void
window_close(struct ja4ssh *s)
{
	struct ja4ssh_fp fp;

	if (ja4ssh_pending(s, &fp)) {
		if (s->n_fp < JA4SSH_MAX_WINDOWS)
			s->fp[s->n_fp++] = fp;
		else if (s->n_dropped < UINT32_MAX)
			s->n_dropped++;
	}
	s->n = 0;
	s->n_ack[0] = s->n_ack[1] = 0;
}

/* Identification phase: consume up to the end of a line; true if one
 * ended.  A line starting "SSH-" ends the phase. */
static bool
side_line(struct ja4ssh_side *d, const uint8_t **p, size_t *n)
{
	const uint8_t *nl = memchr(*p, '\n', *n);
	size_t take = nl != NULL ? (size_t)(nl - *p) + 1 : *n;

	for (size_t i = 0; i < take && d->hdr_len < sizeof(d->hdr); i++)
		d->hdr[d->hdr_len++] = (*p)[i];
	*p += take;
	*n -= take;
	if (nl == NULL)
		return false;
	if (d->hdr_len >= 4 && memcmp(d->hdr, "SSH-", 4) == 0) {
		d->phase = JA4SSH_PH_CLEAR;
		d->is_v1 = d->hdr_len >= 8 && memcmp(d->hdr, "SSH-1.", 6) == 0 &&
		    memcmp(d->hdr, "SSH-1.99", 8) != 0;
	}
	d->hdr_len = 0;
	return true;
}

/* Binary packet phase: consume up to the end of a packet; true if one
 * ended.  NEWKEYS makes the side opaque. */
static bool
side_packet(struct ja4ssh_side *d, const uint8_t **p, size_t *n)
{
	size_t take, off, type_at;

	while (d->left == 0 && d->hdr_len < 4 && *n > 0) {
		d->hdr[d->hdr_len++] = **p;
		(*p)++, (*n)--;
		if (d->hdr_len < 4)
			continue;
		d->total = (uint32_t)d->hdr[0] << 24 |
		    (uint32_t)d->hdr[1] << 16 | (uint32_t)d->hdr[2] << 8 |
		    d->hdr[3];
		if (d->is_v1)
			d->total += 8 - d->total % 8;
		if (d->total == 0 || d->total > MAX_PACKET) {
			d->phase = JA4SSH_PH_OPAQUE;
			return false;
		}
		d->left = d->total;
		d->msg_type = 0;
	}
	if (d->left == 0)
		return false;
	take = *n < d->left ? *n : d->left;
	/* The type follows the padding length byte (SSH 2). */
	off = d->total - d->left;
	type_at = 1;
	if (!d->is_v1 && off <= type_at && type_at < off + take)
		d->msg_type = (*p)[type_at - off];
	*p += take;
	*n -= take;
	d->left -= (uint32_t)take;
	if (d->left != 0)
		return false;
	d->hdr_len = 0;
	if (!d->is_v1 && d->msg_type == SSH_MSG_NEWKEYS)
		d->phase = JA4SSH_PH_OPAQUE;
	return true;
}

/* True unless the segment lies wholly inside one line or packet of its
 * side, neither starting nor ending it (or if the side cannot be
 * followed). */
static bool
side_feed(struct ja4ssh_side *d, const uint8_t *p, size_t caplen,
    uint32_t wire_len)
{
	bool ended = false, at_start = d->left == 0 && d->hdr_len == 0;

	if (caplen > wire_len)
		caplen = wire_len;	/* link padding */
	if (d->phase != JA4SSH_PH_OPAQUE && (p == NULL || caplen < wire_len))
		d->phase = JA4SSH_PH_OPAQUE;	/* cut by the snap length */
	while (caplen > 0 && d->phase != JA4SSH_PH_OPAQUE)
		ended |= d->phase == JA4SSH_PH_IDENT ?
		    side_line(d, &p, &caplen) : side_packet(d, &p, &caplen);
	return at_start || ended || d->phase == JA4SSH_PH_OPAQUE;
}

void
ja4ssh_segment(struct ja4ssh *s, bool is_server, uint8_t tcp_flags,
    const uint8_t *payload, size_t caplen, uint32_t wire_len)
{
	uint32_t payload_len = wire_len;

	if (payload_len != 0 &&
	    !side_feed(&s->side[is_server], payload, caplen, wire_len))
		return;
	if (payload_len == 0) {
		if (tcp_flags == BARE_ACK && s->n_ack[is_server] < UINT32_MAX)
			s->n_ack[is_server]++;
		return;
	}
	s->len[s->n] = payload_len > UINT16_MAX ? UINT16_MAX :
	    (uint16_t)payload_len;
	s->is_server[s->n] = is_server;
	if (++s->n == JA4SSH_WINDOW)
		window_close(s);
}

size_t
ja4ssh_format(const struct ja4ssh_fp *fp, char *dst, size_t dstsz)
{
	int n;

	n = snprintf(dst, dstsz, "c%us%u_c%us%u_c%lus%lu",
	    fp->mode[0], fp->mode[1], fp->n_ssh[0], fp->n_ssh[1],
	    (unsigned long)fp->n_ack[0], (unsigned long)fp->n_ack[1]);
	return n < 0 ? 0 : (size_t)n;
}

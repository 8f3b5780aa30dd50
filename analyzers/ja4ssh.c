/* analyzers/ja4ssh.c: JA4SSH (FoxIO License 1.1): per-window payload
 * length modes, packet and bare ACK counts. */
#include "analyzers/ja4ssh.h"

#include <stdio.h>
#include <string.h>

#define BARE_ACK	0x10

void
ja4ssh_init(struct ja4ssh *s, uint32_t client_acks, uint32_t server_acks)
{
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

void
ja4ssh_segment(struct ja4ssh *s, bool is_server, uint8_t tcp_flags,
    uint32_t payload_len)
{
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

/* analyzers/tcp_opts.c: TCP option parsing with p0f v3 semantics. */
#include "analyzers/tcp_opts.h"

#include <string.h>

static const char *const quirk_names[TCP_N_QUIRKS] = {
	"df", "id+", "id-", "ecn", "0+", "flow", "seq-", "ack+", "ack-",
	"uptr+", "urgf+", "pushf+", "ts1-", "ts2+", "opt+", "exws", "bad",
};

const char *
tcp_quirk_name(unsigned i)
{
	return i < TCP_N_QUIRKS ? quirk_names[i] : "?";
}

uint32_t
tcp_quirk_from_name(const char *s, size_t len)
{
	for (unsigned i = 0; i < TCP_N_QUIRKS; i++)
		if (strlen(quirk_names[i]) == len &&
		    memcmp(quirk_names[i], s, len) == 0)
			return 1u << i;
	return 0;
}

static uint32_t
be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* i indexes the byte after the option kind; n is the option area size.
 * Each case checks the remaining length (n - i) before reading. */
void
tcp_opts_parse(const uint8_t *buf, size_t len, bool is_syn,
    struct tcp_opts *out)
{
	size_t i = 0, n = len;

	memset(out, 0, sizeof(*out));
	while (i < n && out->n_opts < TCP_MAX_OPTS) {
		uint8_t kind = buf[i++];

		out->layout[out->n_opts++] = kind;
		switch (kind) {
		case TCPOPT_EOL:
			out->eol_pad = (uint8_t)(n - i);
			/* p0f stops at the first non-zero byte, having
			 * stepped past it; one in the last position is
			 * therefore not flagged.  Kept for compatibility. */
			while (i < n && buf[i++] == 0)
				;
			if (i != n) {
				out->quirks |= TCP_QUIRK_OPT_EOL_NZ;
				i = n;
			}
			break;
		case TCPOPT_NOP:
			break;
		case TCPOPT_MSS:
			if (n - i < 3)
				goto bad;
			if (buf[i] != 4)
				out->quirks |= TCP_QUIRK_OPT_BAD;
			out->mss = (uint16_t)(buf[i + 1] << 8 | buf[i + 2]);
			out->has_mss = true;
			i += 3;
			break;
		case TCPOPT_WS:
			if (n - i < 2)
				goto bad;
			if (buf[i] != 3)
				out->quirks |= TCP_QUIRK_OPT_BAD;
			out->wscale = buf[i + 1];
			out->has_ws = true;
			if (out->wscale > 14)
				out->quirks |= TCP_QUIRK_OPT_EXWS;
			i += 2;
			break;
		case TCPOPT_SACKOK:
			if (n - i < 1)
				goto bad;
			if (buf[i] != 2)
				out->quirks |= TCP_QUIRK_OPT_BAD;
			i += 1;
			break;
		case TCPOPT_SACK:
			if (i == n || buf[i] < 10 || buf[i] > 34 ||
			    (size_t)buf[i] - 1 > n - i)
				goto bad;
			i += (size_t)buf[i] - 1;
			break;
		case TCPOPT_TS:
			if (n - i < 9)
				goto bad;
			if (buf[i] != 10)
				out->quirks |= TCP_QUIRK_OPT_BAD;
			out->ts1 = be32_at(buf + i + 1);
			out->ts2 = be32_at(buf + i + 5);
			out->has_ts = true;
			if (out->ts1 == 0)
				out->quirks |= TCP_QUIRK_OPT_ZERO_TS1;
			if (is_syn && out->ts2 != 0)
				out->quirks |= TCP_QUIRK_OPT_NZ_TS2;
			i += 9;
			break;
		default:
			if (i == n || buf[i] < 2 || buf[i] > 40 ||
			    (size_t)buf[i] - 1 > n - i)
				goto bad;
			i += (size_t)buf[i] - 1;
			break;
		}
	}
	if (i == n)
		return;
bad:
	out->quirks |= TCP_QUIRK_OPT_BAD;
}

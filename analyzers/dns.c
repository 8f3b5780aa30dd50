/* analyzers/dns.c: DNS message parser. */
#include "analyzers/dns.h"

#include <stddef.h>
#include <string.h>

#include "cursor.h"

enum {
	T_A = 1, T_NS = 2, T_CNAME = 5, T_PTR = 12, T_MX = 15, T_AAAA = 28,
	T_DNAME = 39, T_OPT = 41
};
#define OPT_ECS		8	/* RFC 7871 */
#define OPT_COOKIE	10	/* RFC 7873 */

/* Bounded text output for names. */
struct text {
	char	*p;
	size_t	 len;
	bool	 is_cut;
};

static void
text_putc(struct text *t, char c)
{
	if (t->len + 1 < DNS_NAME_TEXT) {
		t->p[t->len++] = c;
		t->p[t->len] = '\0';
	} else
		t->is_cut = true;
}

/* Printable bytes dig escapes with a backslash: " . ; \\ ( ) @ $ */
static inline bool
dns_special(uint8_t c)
{
	static const uint64_t lo = 1ull << '"' | 1ull << '$' | 1ull << '(' |
	    1ull << ')' | 1ull << '.' | 1ull << ';';
	static const uint64_t hi = 1ull << ('@' - 64) | 1ull << ('\\' - 64);

	return c < 64 ? (lo >> c & 1) != 0 : c < 128 ?
	    (hi >> (c - 64) & 1) != 0 : false;
}

/* Label l[0..n) escaped the way dig prints it, into o (room for 4 * n
 * bytes); returns the bytes written. */
static size_t
escape_label(const uint8_t *l, size_t n, char *o)
{
	static const char digits[] = "0123456789";
	char *start = o;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = l[i];

		if (c <= 0x20 || c >= 0x7f) {
			*o++ = '\\';
			*o++ = digits[c / 100];
			*o++ = digits[c / 10 % 10];
			*o++ = digits[c % 10];
			continue;
		}
		if (dns_special(c))
			*o++ = '\\';
		*o++ = (char)c;
	}
	return (size_t)(o - start);
}

/* One label (at most 63 bytes, as the wire format allows), after a dot
 * unless it is the first.  Escaped in place when the text has room for
 * every byte as \DDD; else escaped aside and added a byte at a time up to
 * the cut. */
static void
text_label(struct text *t, const uint8_t *l, size_t n)
{
	char aside[1 + 4 * 63], *o;
	size_t m = 0;
	bool room;

	if (n > 63)
		n = 63;
	room = t->len + 1 + 4 * n < DNS_NAME_TEXT;
	o = room ? t->p + t->len : aside;
	if (t->len > 0)
		o[m++] = '.';
	m += escape_label(l, n, o + m);
	if (room) {
		t->len += m;
		t->p[t->len] = '\0';
		return;
	}
	for (size_t i = 0; i < m; i++)
		text_putc(t, aside[i]);
}

size_t
dns_read_name(const uint8_t *msg, size_t len, size_t off, char *text,
    uint32_t *anom)
{
	struct text t = { text, 0, false };
	size_t pos = off, end = 0, wire = 0;
	unsigned hops = 0;

	text[0] = '\0';
	for (;;) {
		uint8_t l;

		if (pos >= len)
			return 0;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t ptr;

			if (pos + 1 >= len)
				return 0;
			ptr = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			if (end == 0)
				end = pos + 2;
			if (ptr >= len) {
				*anom |= DNS_ANOM_PTR_OUT_OF_RANGE;
				return 0;
			}
			if (ptr >= pos)
				*anom |= DNS_ANOM_PTR_FORWARD;
			if (++hops > DNS_MAX_HOPS) {
				*anom |= DNS_ANOM_PTR_LOOP;
				return 0;
			}
			pos = ptr;
			continue;
		}
		if (l & 0xc0) {
			*anom |= DNS_ANOM_BAD_LABEL_TYPE;
			return 0;
		}
		if (++wire + l > DNS_MAX_NAME_WIRE) {
			*anom |= DNS_ANOM_NAME_TOO_LONG;
			return 0;
		}
		if (l == 0)
			break;
		if (l > len - pos - 1)
			return 0;
		text_label(&t, msg + pos + 1, l);
		wire += l;
		pos += 1 + (size_t)l;
	}
	if (t.len == 0)
		text_putc(&t, '.');
	if (t.is_cut)
		*anom |= DNS_ANOM_NAME_TEXT_CUT;
	return end != 0 ? end : pos + 1;
}

/* Name at the cursor; the cursor moves past it.  False if broken. */
static bool
read_name_at(struct cursor *c, const uint8_t *msg, size_t len, char *text,
    uint32_t *anom)
{
	size_t off = (size_t)(c->p - msg), end;

	if (c->bad || (end = dns_read_name(msg, len, off, text, anom)) == 0)
		return false;
	cur_skip(c, end - off);
	return true;
}

static void
read_ecs(struct cursor *d, struct dns_edns *e, uint32_t *anom)
{
	size_t n, max;

	e->has_ecs = true;
	e->ecs.family = cur_be16(d);
	e->ecs.source_prefix = cur_u8(d);
	e->ecs.scope_prefix = cur_u8(d);
	n = cur_left(d);
	max = e->ecs.family == 1 ? 4 : e->ecs.family == 2 ? 16 : 0;
	if (d->bad || max == 0 || e->ecs.source_prefix > max * 8 ||
	    n != ((size_t)e->ecs.source_prefix + 7) / 8)
		*anom |= DNS_ANOM_BAD_ECS;
	cur_copy(d, e->ecs.addr, n < 16 ? n : 16);
}

static void
read_opt(struct dns_message *out, const char *owner, uint16_t class,
    uint32_t ttl, struct cursor *rd, enum dns_section sec)
{
	struct dns_edns *e = &out->edns;

	if (sec != DNS_SEC_ADDITIONAL)
		out->anomalies |= DNS_ANOM_OPT_NOT_ADDITIONAL;
	if (out->has_edns) {
		out->anomalies |= DNS_ANOM_MULTIPLE_OPT;
		return;
	}
	if (strcmp(owner, ".") != 0)
		out->anomalies |= DNS_ANOM_OPT_NOT_ROOT;
	out->has_edns = true;
	e->udp_size = class;
	e->ext_rcode = (uint8_t)(ttl >> 24);
	e->version = (uint8_t)(ttl >> 16);
	e->is_do = (ttl & 0x8000u) != 0;
	e->z = (uint16_t)(ttl & 0x7fffu);
	out->rcode = (uint16_t)(e->ext_rcode << 4 | (out->rcode & 0xf));
	while (cur_left(rd) > 0) {
		uint16_t code = cur_be16(rd), olen = cur_be16(rd);
		struct cursor d = cur_sub(rd, olen);

		if (d.bad) {
			out->anomalies |= DNS_ANOM_BAD_RDLENGTH;
			return;
		}
		if (e->n_options < DNS_MAX_OPTIONS) {
			e->options[e->n_options].code = code;
			e->options[e->n_options++].len = olen;
		} else
			out->anomalies |= DNS_ANOM_OPTIONS_TRUNCATED;
		if (code == OPT_ECS && !e->has_ecs)
			read_ecs(&d, e, &out->anomalies);
		else if (code == OPT_COOKIE)
			e->has_cookie = true;
	}
}

/* Decode the rdata of a stored answer. */
static void
read_rdata(const uint8_t *msg, size_t len, struct cursor rd,
    struct dns_rr *rr, uint32_t *anom)
{
	size_t off, end, want;

	switch (rr->type) {
	case T_A:
	case T_AAAA:
		want = rr->type == T_A ? 4 : 16;
		if (cur_left(&rd) != want)
			*anom |= DNS_ANOM_BAD_RDLENGTH;
		else
			cur_copy(&rd, rr->addr, want);
		return;
	case T_MX:
		rr->pref = cur_be16(&rd);
		/* FALLTHROUGH */
	case T_NS:
	case T_CNAME:
	case T_PTR:
	case T_DNAME:
		off = (size_t)(rd.p - msg);
		if (rd.bad || (end = dns_read_name(msg, len, off, rr->target,
		    anom)) == 0 || end != (size_t)(rd.end - msg))
			*anom |= DNS_ANOM_BAD_RDLENGTH;
		return;
	default:
		return;
	}
}

/* One resource record; stored into *rr when rr is not NULL. */
static bool
read_rr(struct cursor *c, const uint8_t *msg, size_t len,
    enum dns_section sec, struct dns_rr *rr, struct dns_message *out)
{
	struct dns_rr tmp;
	struct cursor rd;

	if (rr == NULL)
		rr = &tmp;
	memset(rr, 0, sizeof(*rr));
	if (!read_name_at(c, msg, len, rr->name, &out->anomalies))
		return false;
	rr->type = cur_be16(c);
	rr->class = cur_be16(c);
	rr->ttl = cur_be32(c);
	rr->rdlength = cur_be16(c);
	rd = cur_sub(c, rr->rdlength);
	if (rd.bad)
		return false;
	if (rr->type == T_OPT)
		read_opt(out, rr->name, rr->class, rr->ttl, &rd, sec);
	else if (rr != &tmp)
		read_rdata(msg, len, rd, rr, &out->anomalies);
	return true;
}

static void
read_header(struct cursor *c, struct dns_message *out)
{
	uint16_t f;

	out->id = cur_be16(c);
	out->flags = f = cur_be16(c);
	out->is_response = (f & 0x8000u) != 0;
	out->opcode = (uint8_t)((f >> 11) & 0xf);
	out->is_aa = (f & 0x0400u) != 0;
	out->is_tc = (f & 0x0200u) != 0;
	out->is_rd = (f & 0x0100u) != 0;
	out->is_ra = (f & 0x0080u) != 0;
	if (f & 0x0040u)
		out->anomalies |= DNS_ANOM_Z_BIT;
	out->is_ad = (f & 0x0020u) != 0;
	out->is_cd = (f & 0x0010u) != 0;
	out->rcode = f & 0xfu;
	out->qdcount = cur_be16(c);
	out->ancount = cur_be16(c);
	out->nscount = cur_be16(c);
	out->arcount = cur_be16(c);
}

/* Section ends early: note it when exactly at the end of the message. */
static enum dns_status
short_section(const struct cursor *c, struct dns_message *out)
{
	if (cur_left(c) == 0 && !c->bad)
		out->anomalies |= DNS_ANOM_COUNTS_SHORT;
	return DNS_MALFORMED;
}

/* Empty *m: every field zero except the question and answer arrays
 * (10 KiB), whose entries past n_questions / n_answers are never read. */
static void
dns_message_reset(struct dns_message *m)
{
	memset(m, 0, offsetof(struct dns_message, questions));
	m->n_questions = 0;
	m->n_answers = 0;
	m->has_edns = false;
	memset(&m->edns, 0, sizeof(m->edns));
	m->len = 0;
	m->anomalies = 0;
}

enum dns_status
dns_parse(const uint8_t *msg, size_t len, struct dns_message *out)
{
	struct cursor c = cur_init(msg, len);
	unsigned walked = 0;

	dns_message_reset(out);
	if (len < DNS_HEADER_LEN)
		return DNS_NOT_DNS;
	out->len = len;
	read_header(&c, out);
	for (unsigned i = 0; i < out->qdcount; i++) {
		struct dns_question q, *qp;

		qp = out->n_questions < DNS_MAX_QUESTIONS ?
		    &out->questions[out->n_questions] : &q;
		if (++walked > DNS_MAX_RRS) {
			out->anomalies |= DNS_ANOM_TOO_MANY_RRS;
			return DNS_OK;
		}
		if (!read_name_at(&c, msg, len, qp->name, &out->anomalies))
			return short_section(&c, out);
		qp->type = cur_be16(&c);
		qp->class = cur_be16(&c);
		if (c.bad)
			return DNS_MALFORMED;
		if (qp == &q)
			out->anomalies |= DNS_ANOM_QUESTIONS_TRUNCATED;
		else
			out->n_questions++;
	}
	const uint16_t counts[3] = { out->ancount, out->nscount, out->arcount };
	for (int s = DNS_SEC_ANSWER; s <= DNS_SEC_ADDITIONAL; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			struct dns_rr *rr = NULL;

			if (++walked > DNS_MAX_RRS) {
				out->anomalies |= DNS_ANOM_TOO_MANY_RRS;
				return DNS_OK;
			}
			if (s == DNS_SEC_ANSWER) {
				if (out->n_answers < DNS_MAX_ANSWERS)
					rr = &out->answers[out->n_answers];
				else
					out->anomalies |=
					    DNS_ANOM_ANSWERS_TRUNCATED;
			}
			if (!read_rr(&c, msg, len, (enum dns_section)s, rr,
			    out))
				return short_section(&c, out);
			if (rr != NULL)
				out->n_answers++;
		}
	}
	if (cur_left(&c) > 0)
		out->anomalies |= DNS_ANOM_TRAILING_DATA;
	return DNS_OK;
}

enum dns_status
dns_parse_tcp(const uint8_t *buf, size_t len, struct dns_message *out,
    size_t *consumed)
{
	size_t n;

	*consumed = 0;
	if (len < 2 || len - 2 < (n = (size_t)(buf[0] << 8 | buf[1]))) {
		dns_message_reset(out);
		return DNS_NEED_MORE;
	}
	*consumed = 2 + n;
	return dns_parse(buf + 2, n, out);
}

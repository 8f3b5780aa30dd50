/* analyzers/tls_keylog.c: the NSS key log parser and the table of secrets
 * by client random. */
#include "analyzers/tls_keylog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cursor.h"
#include "log.h"

/* Labels of the format; kind -1: valid, not kept. */
static const struct {
	const char	*label;
	int		 kind;
} kl_labels[] = {
	{ "CLIENT_RANDOM", TLS_KL_MASTER },
	{ "CLIENT_HANDSHAKE_TRAFFIC_SECRET", TLS_KL_CLIENT_HS },
	{ "CLIENT_TRAFFIC_SECRET_0", TLS_KL_CLIENT_AP },
	{ "SERVER_HANDSHAKE_TRAFFIC_SECRET", TLS_KL_SERVER_HS },
	{ "SERVER_TRAFFIC_SECRET_0", TLS_KL_SERVER_AP },
	{ "CLIENT_EARLY_TRAFFIC_SECRET", -1 },
	{ "EARLY_EXPORTER_SECRET", -1 },
	{ "EXPORTER_SECRET", -1 },
	{ "RSA", -1 },
};

void
tls_keylog_init(struct tls_keylog *kl)
{
	memset(kl, 0, sizeof(*kl));
}

void
tls_keylog_free(struct tls_keylog *kl)
{
	if (kl->e != NULL) {
		OPENSSL_cleanse(kl->e, kl->cap * sizeof(*kl->e));
		free(kl->e);
	}
	memset(kl, 0, sizeof(*kl));
}

/* Client randoms are random: their first bytes are the hash. */
static size_t
kl_hash(const uint8_t cr[32])
{
	uint64_t h;

	memcpy(&h, cr, sizeof(h));
	return (size_t)(h ^ (h >> 29));
}

static struct tls_keylog_entry *
kl_slot(struct tls_keylog_entry *e, size_t cap, const uint8_t cr[32])
{
	size_t i = kl_hash(cr) & (cap - 1);

	while (e[i].have != 0 && memcmp(e[i].client_random, cr, 32) != 0)
		i = (i + 1) & (cap - 1);
	return &e[i];
}

const struct tls_keylog_entry *
tls_keylog_find(const struct tls_keylog *kl, const uint8_t client_random[32])
{
	const struct tls_keylog_entry *e;

	if (kl == NULL || kl->n == 0)
		return NULL;
	e = kl_slot(kl->e, kl->cap, client_random);
	return e->have != 0 ? e : NULL;
}

/* Keep the table at most half full; old entries are wiped when moved. */
static int
kl_grow(struct tls_keylog *kl)
{
	size_t cap = kl->cap ? kl->cap * 2 : 64;
	struct tls_keylog_entry *e;

	if (kl->n + 1 <= kl->cap / 2)
		return 0;
	if ((e = calloc(cap, sizeof(*e))) == NULL)
		return -1;
	for (size_t i = 0; i < kl->cap; i++)
		if (kl->e[i].have != 0)
			*kl_slot(e, cap, kl->e[i].client_random) = kl->e[i];
	if (kl->e != NULL) {
		OPENSSL_cleanse(kl->e, kl->cap * sizeof(*kl->e));
		free(kl->e);
	}
	kl->e = e;
	kl->cap = cap;
	return 0;
}

/* Decode the hex in s[0..n) into out (n / 2 bytes). */
static bool
unhex(const char *s, size_t n, uint8_t *out)
{
	if (n % 2 != 0)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* One line, without its end of line.  NULL, or why it is refused. */
static const char *
kl_line(struct tls_keylog *kl, const char *s, size_t n, int *nomem)
{
	uint8_t cr[32], secret[TLS_KEYLOG_SECRET_MAX];
	struct tls_keylog_entry *e;
	size_t f1, f2, i;
	int kind = -2;

	if (n > TLS_KEYLOG_LINE_MAX)
		return "line too long";
	for (f1 = 0; f1 < n && s[f1] != ' '; f1++)
		;
	for (i = 0; i < sizeof(kl_labels) / sizeof(kl_labels[0]); i++)
		if (strlen(kl_labels[i].label) == f1 &&
		    memcmp(kl_labels[i].label, s, f1) == 0)
			kind = kl_labels[i].kind;
	if (kind == -2)
		return "unknown label";
	if (kind == -1)
		return NULL;
	for (f2 = f1 + 1; f2 < n && s[f2] != ' '; f2++)
		;
	if (f1 >= n || f2 - f1 - 1 != 64 || !unhex(s + f1 + 1, 64, cr))
		return "client random is not 64 hex digits";
	n -= f2 + 1 <= n ? f2 + 1 : n;
	s += f2 + 1;
	if ((kind == TLS_KL_MASTER && n != 96) ||
	    (kind != TLS_KL_MASTER && n != 64 && n != 96))
		return kind == TLS_KL_MASTER ?
		    "master secret is not 96 hex digits" :
		    "secret is not 64 or 96 hex digits";
	if (!unhex(s, n, secret))
		return "secret is not hex";
	if (kl_grow(kl) != 0) {
		*nomem = 1;
		OPENSSL_cleanse(secret, sizeof(secret));
		return "out of memory";
	}
	e = kl_slot(kl->e, kl->cap, cr);
	if (e->have == 0) {
		memcpy(e->client_random, cr, 32);
		kl->n++;
	}
	e->have |= (uint8_t)(1u << kind);
	e->len[kind] = (uint8_t)(n / 2);
	memcpy(e->secret[kind], secret, n / 2);
	OPENSSL_cleanse(secret, sizeof(secret));
	kl->n_keys++;
	return NULL;
}

long
tls_keylog_load_buf(struct tls_keylog *kl, const char *name,
    const char *buf, size_t len)
{
	unsigned long line = 0;
	long refused = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;
		const char *why;
		int nomem = 0;

		pos += n + (nl != NULL);
		line++;
		while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' ||
		    s[n - 1] == '\t'))
			n--;
		if (n == 0 || s[0] == '#')
			continue;
		if ((why = kl_line(kl, s, n, &nomem)) == NULL)
			continue;
		if (nomem) {
			errno = ENOMEM;
			return -1;
		}
		log_warnx("%s:%lu: key log: %s: line skipped", name, line,
		    why);
		refused++;
		kl->n_refused++;
	}
	return refused;
}

long
tls_keylog_load_file(struct tls_keylog *kl, const char *path, char *err,
    size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;
	long rc;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(TLS_KEYLOG_FILE_MAX)) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -1;
	}
	n = fread(buf, 1, TLS_KEYLOG_FILE_MAX, fp);
	if (ferror(fp) || (n == TLS_KEYLOG_FILE_MAX && fgetc(fp) != EOF)) {
		snprintf(err, errlen, "%s: %s", path, ferror(fp) ?
		    "read error" : "larger than 64 MiB");
		rc = -1;
	} else if ((rc = tls_keylog_load_buf(kl, path, buf, n)) < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	OPENSSL_cleanse(buf, n);
	free(buf);
	fclose(fp);
	return rc;
}

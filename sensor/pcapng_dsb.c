/* sensor/pcapng_dsb.c: Decryption Secrets Blocks of a pcapng file. */
#include "sensor/pcapng_dsb.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#define PCAPNG_SHB	0x0a0d0d0au
#define PCAPNG_DSB	0x0000000au
#define PCAPNG_TLSK	0x544c534bu
#define PCAPNG_MAGIC	0x1a2b3c4du

struct dsb_walk {
	FILE		*fp;
	const char	*name;
	char		*err;
	size_t		 errlen;
	long long	 size;		/* of the file */
	bool		 big;		/* section byte order */
};

static uint32_t
get32(const uint8_t *p, bool big)
{
	if (big)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

static int
bad(struct dsb_walk *w, long long off, const char *why)
{
	snprintf(w->err, w->errlen, "%s: offset %lld: %s", w->name, off, why);
	return -1;
}

static int
read_at(struct dsb_walk *w, long long off, void *buf, size_t n)
{
	if (fseeko(w->fp, (off_t)off, SEEK_SET) != 0 ||
	    fread(buf, 1, n, w->fp) != n)
		return bad(w, off, "read error");
	return 0;
}

/* The secrets of the TLSK block at off (total length len). */
static int
dsb_load(struct dsb_walk *w, struct tls_keylog *kl, long long off,
    uint32_t len)
{
	uint8_t hdr[8];
	uint32_t n;
	char *buf, where[64];
	char name[512];

	if (len < 20)
		return bad(w, off, "secrets block shorter than 20 bytes");
	if (read_at(w, off + 8, hdr, sizeof(hdr)) != 0)
		return -1;
	if (get32(hdr, w->big) != PCAPNG_TLSK)
		return 0;
	n = get32(hdr + 4, w->big);
	if (n > len - 20)
		return bad(w, off, "secrets length runs past the block");
	if (n > PCAPNG_DSB_MAX)
		return bad(w, off, "secrets larger than 16 MiB");
	if ((buf = malloc(n ? n : 1)) == NULL)
		return bad(w, off, strerror(ENOMEM));
	if (read_at(w, off + 16, buf, n) != 0) {
		free(buf);
		return -1;
	}
	snprintf(where, sizeof(where), " (secrets block at %lld)", off);
	snprintf(name, sizeof(name), "%.400s%s", w->name, where);
	if (tls_keylog_load_buf(kl, name, buf, n) < 0) {
		OPENSSL_cleanse(buf, n);
		free(buf);
		return bad(w, off, strerror(ENOMEM));
	}
	OPENSSL_cleanse(buf, n);
	free(buf);
	return 1;
}

/* Check the block at off and return its total length, or 0 on error. */
static uint32_t
block_len(struct dsb_walk *w, long long off, uint32_t *type)
{
	uint8_t hdr[12], tail[4];
	uint32_t len;

	if (w->size - off < 12)
		return bad(w, off, "truncated block header"), 0;
	if (read_at(w, off, hdr, sizeof(hdr)) != 0)
		return 0;
	*type = get32(hdr, false);
	if (*type == PCAPNG_SHB) {
		uint32_t magic = get32(hdr + 8, false);

		if (magic == PCAPNG_MAGIC)
			w->big = false;
		else if (get32(hdr + 8, true) == PCAPNG_MAGIC)
			w->big = true;
		else
			return bad(w, off, "bad byte-order magic"), 0;
	}
	*type = get32(hdr, w->big);
	len = get32(hdr + 4, w->big);
	if (len < 12 || len % 4 != 0)
		return bad(w, off, "block length not a multiple of 4 of at "
		    "least 12"), 0;
	if (len > w->size - off)
		return bad(w, off, "block length runs past the end of the "
		    "file"), 0;
	if (read_at(w, off + len - 4, tail, sizeof(tail)) != 0)
		return 0;
	if (get32(tail, w->big) != len)
		return bad(w, off, "trailing block length differs"), 0;
	return len;
}

long
pcapng_dsb_scan(FILE *fp, const char *name, struct tls_keylog *kl,
    char *err, size_t errlen)
{
	struct dsb_walk w = { .fp = fp, .name = name, .err = err,
	    .errlen = errlen };
	uint8_t first[4];
	long long off = 0;
	long n = 0;

	if (fseeko(fp, 0, SEEK_END) != 0 || (w.size = ftello(fp)) < 0)
		return bad(&w, 0, "cannot seek");
	if (w.size < 4 || read_at(&w, 0, first, 4) != 0 ||
	    get32(first, false) != PCAPNG_SHB)
		return 0;
	while (off < w.size) {
		uint32_t type, len = block_len(&w, off, &type);
		int rc = 0;

		if (len == 0)
			return -1;
		if (type == PCAPNG_DSB &&
		    (rc = dsb_load(&w, kl, off, len)) < 0)
			return -1;
		n += rc;
		off += len;
	}
	return n;
}

long
pcapng_dsb_scan_path(const char *path, struct tls_keylog *kl, char *err,
    size_t errlen)
{
	struct stat st;
	FILE *fp;
	long n;

	/* Only a regular file can be read twice: a pipe or FIFO read here
	 * would lose its first bytes to the replay. */
	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = pcapng_dsb_scan(fp, path, kl, err, errlen);
	fclose(fp);
	return n;
}

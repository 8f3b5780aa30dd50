/* sensor/capture.c: reading packets from a capture file.
 *
 * Classic pcap in a regular file is read in large blocks and walked here;
 * pcapng, stdin and anything else go through libpcap.  Both paths give the
 * same packets, the same damage checks and the same messages.  The direct
 * reader may hand its read() calls to a thread of their own
 * (capture_readahead()), which fills a ring of blocks ahead of the walk. */
#include "sensor/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/dlt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "sensor/decode.h"

#define PCAP_MAGIC_USEC		0xa1b2c3d4u
#define PCAP_MAGIC_NSEC		0xa1b23c4du
#define PCAP_RECORD_MAX		262144u	/* libpcap's largest snaplen */
#define READ_BLOCK		(1u << 20)	/* bytes per read() */
/* Room for a block and the unread part of the record before it. */
#define READ_HEAD		(16 + PCAP_RECORD_MAX)
#define READ_BUF		(READ_HEAD + READ_BLOCK)
/* Read-ahead: blocks a thread fills while the caller walks the one before.
 * Smaller than READ_BLOCK so the blocks in flight stay in the caches. */
#define RA_SLOTS		4
#define RA_BLOCK		(256u << 10)

/* Each slot is READ_HEAD bytes of room for the part of a record that the
 * block before it cut, then a block read from the file.  Slots are used in
 * turn: the reader fills slot k once the caller has moved past it. */
struct readahead {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 fd;
	uint8_t		*mem[RA_SLOTS];
	size_t		 len[RA_SLOTS];	/* bytes read after READ_HEAD */
	int		 err[RA_SLOTS];	/* errno of a failed read() */
	bool		 last[RA_SLOTS];	/* end of file or error */
	uint64_t	 filled;	/* slots filled so far */
	uint64_t	 next;		/* the slot the caller takes next */
	bool		 quit;
};

/* LINKTYPE_* values in files that differ from this system's DLT_* ones. */
static int
linktype_to_dlt(uint32_t lt)
{
	switch (lt) {
	case 101: return DLT_RAW;
	case 228: return DLT_IPV4;
	case 229: return DLT_IPV6;
	case 113: return DLT_LINUX_SLL;
	case 276: return DLT_LINUX_SLL2;
	case 108: return DLT_LOOP;
	default: return (int)lt;
	}
}

static uint32_t
rd32(const uint8_t *p, bool swapped)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

static int
set_filter(struct capture *c, const char *bpf, int dlt, int snaplen,
    pcap_t *p)
{
	pcap_t *dead = NULL;

	if (bpf == NULL || bpf[0] == '\0')
		return 0;
	if (p == NULL && (p = dead = pcap_open_dead(dlt, snaplen)) == NULL) {
		snprintf(c->err, sizeof(c->err), "filter '%s': cannot compile",
		    bpf);
		return -1;
	}
	if (pcap_compile(p, &c->filter, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(c->err, sizeof(c->err), "filter '%s': %s", bpf,
		    pcap_geterr(p));
		if (dead)
			pcap_close(dead);
		return -1;
	}
	if (dead)
		pcap_close(dead);
	c->has_filter = true;
	if (c->pcap != NULL && pcap_setfilter(c->pcap, &c->filter) != 0) {
		snprintf(c->err, sizeof(c->err), "filter '%s': %s", bpf,
		    pcap_geterr(c->pcap));
		return -1;
	}
	return 0;
}

static int
check_linktype(struct capture *c)
{
	const char *name;

	if (decode_linktype_supported(c->dlt))
		return 0;
	name = pcap_datalink_val_to_name(c->dlt);
	snprintf(c->err, sizeof(c->err), "%s: unsupported link type %d (%s)",
	    c->path, c->dlt, name ? name : "unknown");
	return -1;
}

/* Take a regular file in the classic pcap format for the direct reader.
 * Returns 1 when taken, 0 to fall back to libpcap, -1 on error. */
static int
try_direct(struct capture *c, const char *path, const struct stat *st)
{
	uint8_t hdr[24];
	uint32_t magic;
	int fd;

	if (!S_ISREG(st->st_mode) || st->st_size < 24)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(c->err, sizeof(c->err), "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (read(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		close(fd);
		return 0;
	}
	magic = rd32(hdr, false);
	if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC) {
		c->swapped = false;
	} else if (__builtin_bswap32(magic) == PCAP_MAGIC_USEC ||
	    __builtin_bswap32(magic) == PCAP_MAGIC_NSEC) {
		c->swapped = true;
		magic = __builtin_bswap32(magic);
	} else {
		close(fd);
		return 0;
	}
	if ((c->buf = malloc(READ_BUF)) == NULL) {
		close(fd);
		return 0;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	c->fd = fd;
	c->nsec = magic == PCAP_MAGIC_NSEC;
	c->snaplen = rd32(hdr + 16, c->swapped);
	c->dlt = linktype_to_dlt(rd32(hdr + 20, c->swapped) & 0xffff);
	return 1;
}

int
capture_open_offline(struct capture *c, const char *path, const char *bpf)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct stat st;
	bool is_stdin = strcmp(path, "-") == 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->path = is_stdin ? "stdin" : path;
	if (!is_stdin) {
		int direct;

		if (stat(path, &st) != 0) {
			snprintf(c->err, sizeof(c->err), "%s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(c->err, sizeof(c->err), "%s: is a directory, "
			    "not a capture file", path);
			return -1;
		}
		if ((direct = try_direct(c, path, &st)) < 0)
			return -1;
		if (direct) {
			if (check_linktype(c) != 0 ||
			    set_filter(c, bpf, c->dlt, (int)c->snaplen,
			    NULL) != 0) {
				capture_close(c);
				return -1;
			}
			return 0;
		}
	}
	c->pcap = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (c->pcap == NULL) {
		if (strstr(errbuf, "unknown file format") != NULL)
			snprintf(c->err, sizeof(c->err), "%s: not a pcap or "
			    "pcapng capture (%s)", c->path, errbuf);
		else
			snprintf(c->err, sizeof(c->err), "%s: %s", c->path,
			    errbuf[0] ? errbuf : "cannot open");
		return -1;
	}
	c->dlt = pcap_datalink(c->pcap);
	if (check_linktype(c) != 0 ||
	    set_filter(c, bpf, c->dlt, 0, c->pcap) != 0) {
		capture_close(c);
		return -1;
	}
	return 0;
}

/* A read() of the file failed with errnum: the message, and -1. */
static ssize_t
read_failed(struct capture *c, int errnum)
{
	snprintf(c->err, sizeof(c->err), "%s: damaged after %llu packets: %s",
	    c->path, (unsigned long long)c->n_read, strerror(errnum));
	return -1;
}

static void *
readahead_main(void *arg)
{
	struct readahead *ra = arg;

	for (uint64_t k = 0;; k++) {
		unsigned i = (unsigned)(k % RA_SLOTS);
		uint8_t *dst = ra->mem[i] + READ_HEAD;
		size_t len = 0;
		int err = 0;
		bool last = false;

		pthread_mutex_lock(&ra->mu);
		/* Slot k reuses the memory of slot k - RA_SLOTS; the caller
		 * holds slot next - 1 and is done with those before it. */
		while (!ra->quit && k + 1 >= ra->next + RA_SLOTS)
			pthread_cond_wait(&ra->cv, &ra->mu);
		if (ra->quit) {
			pthread_mutex_unlock(&ra->mu);
			return NULL;
		}
		pthread_mutex_unlock(&ra->mu);
		while (len < RA_BLOCK) {
			ssize_t n = read(ra->fd, dst + len, RA_BLOCK - len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err = n < 0 ? errno : 0;
				last = true;
				break;
			}
			len += (size_t)n;
		}
		pthread_mutex_lock(&ra->mu);
		ra->len[i] = len;
		ra->err[i] = err;
		ra->last[i] = last;
		ra->filled = k + 1;
		pthread_cond_broadcast(&ra->cv);
		pthread_mutex_unlock(&ra->mu);
		if (last)
			return NULL;
	}
}

static void
readahead_stop(struct capture *c)
{
	struct readahead *ra = c->ra;

	if (ra == NULL)
		return;
	pthread_mutex_lock(&ra->mu);
	ra->quit = true;
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
	pthread_join(ra->thread, NULL);
	pthread_mutex_destroy(&ra->mu);
	pthread_cond_destroy(&ra->cv);
	for (unsigned i = 0; i < RA_SLOTS; i++)
		free(ra->mem[i]);
	free(ra);
	c->ra = NULL;
	c->buf = NULL;
}

bool
capture_readahead(struct capture *c)
{
	struct readahead *ra;

	if (c->fd < 0 || c->ra != NULL || c->n_read > 0 ||
	    c->buf_len != c->buf_off || c->eof)
		return false;
	if ((ra = calloc(1, sizeof(*ra))) == NULL)
		return false;
	for (unsigned i = 0; i < RA_SLOTS; i++) {
		if ((ra->mem[i] = malloc(READ_HEAD + RA_BLOCK)) == NULL) {
			while (i-- > 0)
				free(ra->mem[i]);
			free(ra);
			return false;
		}
	}
	ra->fd = c->fd;
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->cv, NULL);
	if (pthread_create(&ra->thread, NULL, readahead_main, ra) != 0) {
		pthread_mutex_destroy(&ra->mu);
		pthread_cond_destroy(&ra->cv);
		for (unsigned i = 0; i < RA_SLOTS; i++)
			free(ra->mem[i]);
		free(ra);
		return false;
	}
	free(c->buf);
	c->buf = NULL;
	c->buf_off = c->buf_len = 0;
	c->ra = ra;
	return true;
}

/* fill() from the read-ahead slots: take the next block, with the cut
 * record of the one before copied in front of it. */
static ssize_t
readahead_fill(struct capture *c, size_t want)
{
	struct readahead *ra = c->ra;
	size_t have = c->buf_len - c->buf_off;

	while (have < want && !c->eof) {
		uint64_t k;
		unsigned i;

		pthread_mutex_lock(&ra->mu);
		k = ra->next;
		while (ra->filled <= k)
			pthread_cond_wait(&ra->cv, &ra->mu);
		pthread_mutex_unlock(&ra->mu);
		i = (unsigned)(k % RA_SLOTS);
		if (ra->err[i] != 0)
			return read_failed(c, ra->err[i]);
		/* have < want <= READ_HEAD: the cut record fits in front. */
		if (have > 0)
			memcpy(ra->mem[i] + READ_HEAD - have,
			    c->buf + c->buf_off, have);
		c->buf = ra->mem[i];
		c->buf_off = READ_HEAD - have;
		c->buf_len = READ_HEAD + ra->len[i];
		c->eof = ra->last[i];
		/* The slot before is free now. */
		pthread_mutex_lock(&ra->mu);
		ra->next = k + 1;
		pthread_cond_broadcast(&ra->cv);
		pthread_mutex_unlock(&ra->mu);
		have = c->buf_len - c->buf_off;
	}
	return (ssize_t)have;
}

static enum capture_result
direct_damaged(struct capture *c, const char *what)
{
	snprintf(c->err, sizeof(c->err), "%s: damaged after %llu packets: %s",
	    c->path, (unsigned long long)c->n_read, what);
	return CAPTURE_DAMAGED;
}

/* Make at least want bytes from buf_off readable, unless the file ends
 * first.  Returns the bytes readable, or -1 on a read error. */
static ssize_t
fill(struct capture *c, size_t want)
{
	size_t have = c->buf_len - c->buf_off;
	ssize_t n;

	if (have >= want || c->eof)
		return (ssize_t)have;
	if (c->ra != NULL)
		return readahead_fill(c, want);
	memmove(c->buf, c->buf + c->buf_off, have);
	c->buf_off = 0;
	c->buf_len = have;
	while (c->buf_len < want && !c->eof) {
		n = read(c->fd, c->buf + c->buf_len, READ_BUF - c->buf_len >
		    READ_BLOCK ? READ_BLOCK : READ_BUF - c->buf_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return read_failed(c, errno);
		if (n == 0)
			c->eof = true;
		c->buf_len += (size_t)n;
	}
	return (ssize_t)(c->buf_len - c->buf_off);
}

static enum capture_result
direct_run(struct capture *c, capture_fn *fn, void *arg,
    volatile sig_atomic_t *stop)
{
	char what[160];

	while (!*stop) {
		ssize_t left = fill(c, 16);
		const uint8_t *h;
		uint32_t caplen, wire, sec, frac;

		if (left < 0)
			return CAPTURE_DAMAGED;
		if (left == 0)
			return CAPTURE_EOF;
		if (left < 16) {
			snprintf(what, sizeof(what), "truncated dump file; "
			    "record header cut after %zd of 16 bytes", left);
			return direct_damaged(c, what);
		}
		h = c->buf + c->buf_off;
		caplen = rd32(h + 8, c->swapped);
		if (caplen > PCAP_RECORD_MAX) {
			snprintf(what, sizeof(what), "invalid packet capture "
			    "length %u, bigger than maximum of %u", caplen,
			    PCAP_RECORD_MAX);
			return direct_damaged(c, what);
		}
		if ((size_t)left < 16 + (size_t)caplen) {
			if ((left = fill(c, 16 + (size_t)caplen)) < 0)
				return CAPTURE_DAMAGED;
			h = c->buf + c->buf_off;
		}
		if ((size_t)left - 16 < caplen) {
			snprintf(what, sizeof(what), "truncated dump file; "
			    "tried to read %u captured bytes, only got %zd",
			    caplen, left - 16);
			return direct_damaged(c, what);
		}
		sec = rd32(h, c->swapped);
		frac = rd32(h + 4, c->swapped);
		wire = rd32(h + 12, c->swapped);
		if (caplen > c->snaplen)
			c->n_over_snaplen++;
		c->buf_off += 16 + (size_t)caplen;
		if (c->has_filter) {
			struct pcap_pkthdr ph = { .caplen = caplen,
			    .len = wire };

			if (!pcap_offline_filter(&c->filter, &ph, h + 16))
				continue;
		}
		c->n_read++;
		fn(arg, c->dlt, (uint64_t)sec * 1000000 +
		    (c->nsec ? frac / 1000 : (uint64_t)frac), h + 16, caplen,
		    wire);
	}
	return CAPTURE_STOPPED;
}

enum capture_result
capture_run(struct capture *c, capture_fn *fn, void *arg,
    volatile sig_atomic_t *stop)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	if (c->fd >= 0)
		return direct_run(c, fn, arg, stop);
	while (!*stop) {
		rc = pcap_next_ex(c->pcap, &h, &data);
		if (rc == 1) {
			/* Both fields as the file's unsigned 32 bits, as the
			 * mapped path reads them (fuzzed files overflow). */
			uint64_t ts = (uint64_t)(uint32_t)h->ts.tv_sec *
			    1000000 + (uint32_t)h->ts.tv_usec;

			c->n_read++;
			fn(arg, c->dlt, ts, data, h->caplen, h->len);
			continue;
		}
		if (rc == PCAP_ERROR_BREAK)
			return CAPTURE_EOF;
		snprintf(c->err, sizeof(c->err), "%s: damaged after %llu "
		    "packets: %s", c->path, (unsigned long long)c->n_read,
		    pcap_geterr(c->pcap));
		return CAPTURE_DAMAGED;
	}
	return CAPTURE_STOPPED;
}

void
capture_close(struct capture *c)
{
	readahead_stop(c);
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	if (c->has_filter)
		pcap_freecode(&c->filter);
	c->pcap = NULL;
	c->fd = -1;
	c->buf = NULL;
	c->has_filter = false;
}

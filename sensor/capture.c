/* sensor/capture.c: reading packets from a capture file.
 *
 * Classic pcap in a regular file is read in large blocks and walked here;
 * pcapng, stdin and anything else go through libpcap.  Both paths give the
 * same packets, the same damage checks and the same messages.  The direct
 * reader reads blocks with read(), or walks the file in place after
 * capture_map(), with its pages populated ahead of the walk. */
#include "sensor/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/dlt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
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
/* The mapped reader (capture_map()): the walk reads the file's pages where
 * they are, with their page tables populated (MADV_POPULATE_READ) a chunk
 * at a time ahead of it; the chunks it has left are unmapped again
 * (MADV_DONTNEED), so little of the file is resident for us at once.  (A
 * replay with a second CPU runs the walk on a thread of its own, ahead of
 * the analysis: sensor/stage.h.)  Chunks are 2 MiB, aligned on the
 * address: the page cache may hold the file in folios of that size and
 * map one with a single page-middle entry, which unmapping half of it
 * would split (a TLB flush on every CPU of the process each time). */
#define MAP_CHUNK		(2u << 20)
#define MAP_SHARERS		64	/* walks of one shared map */
/* A walk of a shared map waits (a while) when it is this far ahead of the
 * slowest: what lies between them stays mapped. */
#define MAP_LEAD		(16u << 20)
#define MAP_LEAD_WAIT_NS	20000000L

struct mapped {
	uint8_t		*base;
	size_t		 len;		/* the file's size when mapped */
	int		 bus;		/* slot in bus[] */
	bool		 shared;	/* capture_map_share() */
	pthread_mutex_t	 mu;		/* the rest, when shared */
	pthread_cond_t	 cv;
	size_t		 ready;		/* [0, ready) populated */
	size_t		 dropped;	/* [0, dropped) unmapped again */
	int		 err;		/* errno when populating failed */
	bool		 done;		/* ready is final */
	/* Shared: each walk's taken (SIZE_MAX once it is closed). */
	unsigned	 n_walks;
	unsigned	 n_open;
	size_t		 walk_taken[MAP_SHARERS];
};

/* The mappings the SIGBUS handler may patch: a file cut while mapped
 * faults on the pages it lost; they become zero pages, and the walk stops
 * at the next record with "the file shrank while it was read". */
#define BUS_SLOTS		64
static struct {
	uint8_t *volatile	base;
	volatile size_t		len;
	volatile sig_atomic_t	hit;
} bus[BUS_SLOTS];
static pthread_mutex_t bus_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned bus_users;
static struct sigaction bus_prev;
static uintptr_t bus_page;		/* page size, read before the handler */

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

/* A file libpcap did not recognise: how it is compressed, when it starts
 * like a compressed file, and the tool that writes it out uncompressed. */
struct packing {
	uint8_t		 magic[6];
	size_t		 len;
	const char	*name;
	const char	*cat;
};

static const struct packing *
packed_by(const char *path)
{
	static const struct packing kinds[] = {
		{ { 0x1f, 0x8b }, 2, "gzip", "zcat" },
		{ { 0x28, 0xb5, 0x2f, 0xfd }, 4, "zstd", "zstdcat" },
		{ { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6, "xz", "xzcat" },
		{ { 'B', 'Z', 'h' }, 3, "bzip2", "bzcat" },
		{ { 0x04, 0x22, 0x4d, 0x18 }, 4, "lz4", "lz4cat" },
	};
	uint8_t head[6];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	n = read(fd, head, sizeof(head));
	close(fd);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (n >= (ssize_t)kinds[i].len &&
		    memcmp(head, kinds[i].magic, kinds[i].len) == 0)
			return &kinds[i];
	return NULL;
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
		bool unknown = strstr(errbuf, "unknown file format") != NULL;
		/* Only a regular file is opened again: a FIFO whose writer
		 * is gone would block the open. */
		const struct packing *pk = unknown && !is_stdin &&
		    S_ISREG(st.st_mode) ? packed_by(path) : NULL;

		if (pk != NULL)
			snprintf(c->err, sizeof(c->err), "%s: not a pcap or "
			    "pcapng capture but %s-compressed (%s %s | "
			    "fpsensor -r - replays it)", c->path, pk->name,
			    pk->cat, path);
		else if (unknown)
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

static void
on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uint8_t *a = si->si_addr;
	uintptr_t page = (uintptr_t)a & ~(bus_page - 1);

	for (int i = 0; i < BUS_SLOTS; i++) {
		uint8_t *m = bus[i].base;

		if (m == NULL || a < m || a >= m + bus[i].len)
			continue;
		bus[i].hit = 1;
		if (mmap((void *)page, bus_page, PROT_READ, MAP_PRIVATE |
		    MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED)
			return;
		break;
	}
	/* Not ours: as before, and the access faults again. */
	sigaction(SIGBUS, &bus_prev, NULL);
	(void)sig;
	(void)uc;
}

/* A slot for [base, base + len), the handler installed with the first;
 * -1 when all are taken. */
static int
bus_add(uint8_t *base, size_t len)
{
	int slot = -1;

	pthread_mutex_lock(&bus_mu);
	for (int i = 0; i < BUS_SLOTS && slot < 0; i++) {
		if (bus[i].base != NULL)
			continue;
		slot = i;
		bus[i].hit = 0;
		bus[i].len = len;
		bus[i].base = base;
	}
	if (slot >= 0 && bus_users++ == 0) {
		struct sigaction sa;
		long pg = sysconf(_SC_PAGESIZE);

		bus_page = pg > 0 ? (uintptr_t)pg : 4096;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigbus;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, &bus_prev);
	}
	pthread_mutex_unlock(&bus_mu);
	return slot;
}

static void
bus_del(int slot)
{
	pthread_mutex_lock(&bus_mu);
	bus[slot].base = NULL;
	if (--bus_users == 0)
		sigaction(SIGBUS, &bus_prev, NULL);
	pthread_mutex_unlock(&bus_mu);
}

/* Populate [from, end) of the map: 0, or an errno when the file no
 * longer covers it (it was cut after it was mapped). */
static int
populate(const struct mapped *mp, size_t from, size_t end)
{
#ifdef MADV_POPULATE_READ
	if (madvise(mp->base + from, end - from, MADV_POPULATE_READ) == 0)
		return 0;
	if (errno != EINVAL)
		return errno != 0 ? errno : EIO;
#endif
	/* Older kernels: touch a byte a page (a cut file: SIGBUS, patched). */
	for (size_t i = from; i < end; i += bus_page)
		(void)*(volatile uint8_t *)(mp->base + i);
	return bus[mp->bus].hit ? EIO : 0;
}

/* The next chunk populated: ready, err and done moved on. */
static void
advance(struct mapped *mp, size_t ready, int err)
{
	if (err == 0)
		mp->ready = ready;
	mp->err = err;
	mp->done = err != 0 || mp->ready == mp->len;
}

/* Offset of the start of the chunk holding offset off (the first chunk
 * is short when the map does not start on a chunk's address). */
static size_t
chunk_start(const struct mapped *mp, size_t off)
{
	uintptr_t b = (uintptr_t)mp->base;
	uintptr_t a = (b + off) & ~(uintptr_t)(MAP_CHUNK - 1);

	return a > b ? (size_t)(a - b) : 0;
}

/* Offset of the end of the chunk holding offset from. */
static size_t
chunk_end(const struct mapped *mp, size_t from)
{
	uintptr_t b = (uintptr_t)mp->base;
	size_t end = (size_t)((((b + from) | (MAP_CHUNK - 1)) + 1) - b);

	return end < mp->len ? end : mp->len;
}

/* Unmap the chunks before the one before the one the walk is in. */
static void
drop_behind(struct mapped *mp, size_t taken)
{
	size_t cur = chunk_start(mp, taken);
	size_t to = cur > 0 ? chunk_start(mp, cur - 1) : 0;

	if (to > mp->dropped) {
		(void)madvise(mp->base + mp->dropped, to - mp->dropped,
		    MADV_DONTNEED);
		mp->dropped = to;
	}
}

static void
unmap(struct capture *c)
{
	struct mapped *mp = c->mp;

	if (mp == NULL)
		return;
	c->mp = NULL;
	c->buf = NULL;
	if (mp->shared) {
		bool last;

		pthread_mutex_lock(&mp->mu);
		mp->walk_taken[c->mp_slot] = SIZE_MAX;
		last = --mp->n_open == 0;
		pthread_cond_broadcast(&mp->cv);
		pthread_mutex_unlock(&mp->mu);
		if (!last)
			return;
		pthread_mutex_destroy(&mp->mu);
		pthread_cond_destroy(&mp->cv);
	}
	bus_del(mp->bus);
	munmap(mp->base, mp->len);
	free(mp);
}

bool
capture_map(struct capture *c)
{
	struct mapped *mp;
	struct stat st;
	void *base;

	if (c->fd < 0 || c->mp != NULL || c->n_read > 0 ||
	    c->buf_len != c->buf_off || c->eof ||
	    fstat(c->fd, &st) != 0 || (uint64_t)st.st_size <= 24 ||
	    (uint64_t)st.st_size > SIZE_MAX)
		return false;
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, c->fd,
	    0);
	if (base == MAP_FAILED)
		return false;
	if ((mp = calloc(1, sizeof(*mp))) == NULL) {
		munmap(base, (size_t)st.st_size);
		return false;
	}
	mp->base = base;
	mp->len = (size_t)st.st_size;
	(void)madvise(base, mp->len, MADV_SEQUENTIAL);
	if ((mp->bus = bus_add(mp->base, mp->len)) < 0) {
		munmap(base, mp->len);
		free(mp);
		return false;
	}
	free(c->buf);
	/* The walk goes on from the record after the file header. */
	c->buf = mp->base;
	c->buf_off = c->buf_len = 24;
	c->mp = mp;
	return true;
}

bool
capture_map_share(struct capture *c, struct capture *from)
{
	struct mapped *mp = from->mp;
	struct stat a, b;

	if (mp == NULL || from->n_read > 0 ||
	    from->buf_off != 24 || c->fd < 0 || c->mp != NULL ||
	    c->n_read > 0 || c->buf_len != c->buf_off || c->eof ||
	    fstat(c->fd, &a) != 0 || fstat(from->fd, &b) != 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino ||
	    (uint64_t)a.st_size != mp->len || c->swapped != from->swapped ||
	    c->nsec != from->nsec)
		return false;
	if (!mp->shared) {
		if (pthread_mutex_init(&mp->mu, NULL) != 0)
			return false;
		if (pthread_cond_init(&mp->cv, NULL) != 0) {
			pthread_mutex_destroy(&mp->mu);
			return false;
		}
		mp->shared = true;
		mp->n_walks = mp->n_open = 1;
		from->mp_slot = 0;
		mp->walk_taken[0] = 24;
	}
	if (mp->n_walks == MAP_SHARERS)
		return false;
	c->mp_slot = mp->n_walks++;
	mp->n_open++;
	mp->walk_taken[c->mp_slot] = 24;
	free(c->buf);
	c->buf = mp->base;
	c->buf_off = c->buf_len = 24;
	c->mp = mp;
	return true;
}

/* The least position of the walks of a shared map (SIZE_MAX: none). */
static size_t
least_taken(const struct mapped *mp)
{
	size_t least = SIZE_MAX;

	for (unsigned i = 0; i < mp->n_walks; i++)
		if (mp->walk_taken[i] < least)
			least = mp->walk_taken[i];
	return least;
}

/* A walk of a shared map, its lock held, at its next fill: record where it
 * is, wait a little if it is far ahead of the slowest, and return where
 * the slowest is (what every walk has left may be unmapped). */
static size_t
shared_least(struct capture *c)
{
	struct mapped *mp = c->mp;
	size_t least;

	mp->walk_taken[c->mp_slot] = c->buf_off;
	pthread_cond_broadcast(&mp->cv);
	least = least_taken(mp);
	if (c->buf_off > least + MAP_LEAD) {
		/* Bounded: a walk held up elsewhere does not stop this one
		 * for long. */
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += MAP_LEAD_WAIT_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (c->buf_off > (least = least_taken(mp)) + MAP_LEAD &&
		    pthread_cond_timedwait(&mp->cv, &mp->mu, &until) == 0)
			;
		least = least_taken(mp);
	}
	return least;
}

/* A walk of a shared map is over: the others no longer wait for it. */
static void
shared_leave(struct capture *c)
{
	struct mapped *mp = c->mp;

	pthread_mutex_lock(&mp->mu);
	mp->walk_taken[c->mp_slot] = SIZE_MAX;
	pthread_cond_broadcast(&mp->cv);
	pthread_mutex_unlock(&mp->mu);
}

/* fill() from the map: up to a chunk past what is wanted, populated here
 * (by whichever walk of a shared map gets there first). */
static ssize_t
mapped_fill(struct capture *c, size_t want)
{
	struct mapped *mp = c->mp;
	size_t need = c->buf_off + want, behind = c->buf_off;

	if (mp->shared) {
		pthread_mutex_lock(&mp->mu);
		behind = shared_least(c);
	}
	drop_behind(mp, behind);
	while (mp->ready < need && !mp->done) {
		size_t end = chunk_end(mp, mp->ready);

		advance(mp, end, populate(mp, mp->ready, end));
	}
	/* A chunk at a time, so the other walks hear where this one is. */
	c->buf_len = mp->ready < need + MAP_CHUNK ? mp->ready :
	    need + MAP_CHUNK;
	c->eof = mp->done && c->buf_len == mp->ready;
	if (mp->shared)
		pthread_mutex_unlock(&mp->mu);
	if (c->eof && mp->err != 0) {
		snprintf(c->err, sizeof(c->err), "%s: damaged after %llu "
		    "packets: the file shrank while it was read", c->path,
		    (unsigned long long)c->n_read);
		return -1;
	}
	return (ssize_t)(c->buf_len - c->buf_off);
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
	if (c->mp != NULL)
		return mapped_fill(c, want);
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
		if (c->mp != NULL && bus[c->mp->bus].hit)
			return direct_damaged(c, "the file shrank while it "
			    "was read");
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
		/* The next record's header and first bytes, read from memory
		 * while this one is analysed (mapped, they are cold). */
		if (c->buf_len - c->buf_off >= 192) {
			__builtin_prefetch(c->buf + c->buf_off);
			__builtin_prefetch(c->buf + c->buf_off + 64);
			__builtin_prefetch(c->buf + c->buf_off + 128);
		}
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

	if (c->fd >= 0) {
		enum capture_result res = direct_run(c, fn, arg, stop);

		if (c->mp != NULL && c->mp->shared)
			shared_leave(c);
		return res;
	}
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
	unmap(c);
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

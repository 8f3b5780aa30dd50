/* sensor/spool.c: segment files of length+CRC framed records. */
#include "sensor/spool.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "log.h"

#define SPOOL_ALLOC_CHUNK	(1u << 20)	/* file grown this much */

static const char spool_magic[SPOOL_SEG_HDR] = "FPSPOOL2";	/* CRC-32C */
static const char spool_magic_v1[SPOOL_SEG_HDR] = "FPSPOOL1";	/* CRC-32 */

struct spool_seg {
	uint64_t	 seq;
	uint64_t	 size;		/* bytes in the file */
	bool		 is_v1;		/* "FPSPOOL1": records carry CRC-32 */
};

/* A segment file kept open and mapped for appending; fd -1: none. */
struct spool_file {
	int		 fd;
	uint8_t		*map;
	uint64_t	 alloc;		/* file size */
	uint64_t	 seq;
};

struct spool {
	char		 dir[PATH_MAX];
	int		 dir_fd;
	int		 lock_fd;
	int		 wfd;		/* open for append: segs[n_segs-1] */
	uint8_t		*map;		/* wfd mapped, map_len bytes */
	size_t		 map_len;
	uint64_t	 alloc_end;	/* wfd's file size (allocated) */
	struct spool_file prev;		/* the tail before the last roll */
	struct spool_file spare;	/* delivered, kept for reuse */
	int		 rfd;		/* open for reading: segs[rfd_idx] */
	uint64_t	 rfd_seq;
	struct spool_seg *segs;		/* oldest first; segs[0] holds ack */
	size_t		 n_segs;
	size_t		 cap_segs;
	uint64_t	 next_seq;
	uint64_t	 ack_off;	/* in segs[0] */
	size_t		 rd_idx;	/* read cursor */
	uint64_t	 rd_off;
	uint64_t	 ord_ack;	/* ordinals: acked < read <= write */
	uint64_t	 ord_read;
	uint64_t	 ord_write;
	uint64_t	 max_bytes;
	uint64_t	 segment_bytes;
	bool		 sync_on_roll;
	bool		 pos_dirty;	/* spool.pos behind ack */
	uint8_t		*buf;		/* SPOOL_REC_HDR + SPOOL_RECORD_MAX */
	struct spool_stats st;
};

/* CRC-32 (reflected polynomial 0xEDB88320) and CRC-32C (0x82F63B78),
 * eight bytes at a time ("slicing by 8"): tab[k][b] is the CRC of byte b
 * followed by k zero bytes.  CRC-32C uses the SSE 4.2 instruction where
 * the processor has it.  Tables are built on first use. */
static uint32_t crc_tab[8][256], crc32c_tab[8][256];
static bool has_sse42;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
tab_init(uint32_t tab[8][256], uint32_t poly)
{
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (poly & (0u - (c & 1)));
		tab[0][b] = c;
	}
	for (uint32_t b = 0; b < 256; b++)
		for (int k = 1; k < 8; k++)
			tab[k][b] = (tab[k - 1][b] >> 8) ^
			    tab[0][tab[k - 1][b] & 0xff];
}

static void
crc_init(void)
{
	tab_init(crc_tab, 0xEDB88320u);
	tab_init(crc32c_tab, 0x82F63B78u);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	has_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t
crc_sliced(uint32_t tab[8][256], uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	for (; len >= 8; len -= 8, p += 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);

		crc = tab[7][lo & 0xff] ^ tab[6][(lo >> 8) & 0xff] ^
		    tab[5][(lo >> 16) & 0xff] ^ tab[4][lo >> 24] ^
		    tab[3][p[4]] ^ tab[2][p[5]] ^ tab[1][p[6]] ^ tab[0][p[7]];
	}
	while (len-- > 0)
		crc = (crc >> 8) ^ tab[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2"))) static uint32_t
crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = ~crc;

	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	while (len-- > 0)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return ~(uint32_t)c;
}
#endif

uint32_t
spool_crc32(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_init);
	return crc_sliced(crc_tab, crc, buf, len);
}

uint32_t
spool_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_init);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (has_sse42)
		return crc32c_sse42(crc, buf, len);
#endif
	return crc_sliced(crc32c_tab, crc, buf, len);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* CRC of a record: its 4 length bytes, then the payload; CRC-32C, or
 * CRC-32 in a segment of the first format. */
static uint32_t
record_crc(bool is_v1, const uint8_t *lenbytes, const void *payload,
    size_t len)
{
	if (is_v1)
		return spool_crc32(spool_crc32(0, lenbytes, 4), payload, len);
	return spool_crc32c(spool_crc32c(0, lenbytes, 4), payload, len);
}

static void
seg_name(char *dst, size_t dstsz, uint64_t seq)
{
	snprintf(dst, dstsz, "%016" PRIx64 ".seg", seq);
}

static void close_tail(struct spool *s, bool sync);
static void file_close(struct spool *s, struct spool_file *f);
static void set_err(char *err, size_t errlen, int e, const char *fmt, ...)
	    FP_PRINTF(4, 5);

/* err gets the formatted text, then ": " and strerror(e). */
static void
set_err(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < errlen)
		snprintf(err + n, errlen - (size_t)n, ": %s", strerror(e));
}

static uint64_t
disk_bytes(const struct spool *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->n_segs; i++)
		n += s->segs[i].size;
	return n;
}

static void
update_gauges(struct spool *s)
{
	s->st.records = s->ord_write - s->ord_ack;
	s->st.bytes = disk_bytes(s);
}

static void
close_rfd(struct spool *s)
{
	if (s->rfd >= 0)
		close(s->rfd);
	s->rfd = -1;
}

/* An fd to read segment i, cached. */
static int
seg_rfd(struct spool *s, size_t i)
{
	char name[32];

	if (s->rfd >= 0 && s->rfd_seq == s->segs[i].seq)
		return s->rfd;
	close_rfd(s);
	seg_name(name, sizeof(name), s->segs[i].seq);
	if ((s->rfd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	s->rfd_seq = s->segs[i].seq;
	return s->rfd;
}

/* Read the record at off of segment i into s->buf: SPOOL_REC_HDR bytes of
 * header, then the payload.  Returns the payload length, 0 at the end of the
 * segment or at a header of zeros (the end of what was written), -EBADMSG if the record fails its checks, -errno on I/O error. */
static ssize_t
read_record(struct spool *s, size_t i, uint64_t off)
{
	struct cursor c;
	uint32_t len, crc;
	ssize_t n;
	int fd;

	if (off >= s->segs[i].size)
		return 0;
	if (s->segs[i].size - off < SPOOL_REC_HDR)
		return -EBADMSG;
	if ((fd = seg_rfd(s, i)) < 0)
		return -errno;
	n = pread(fd, s->buf, SPOOL_REC_HDR, (off_t)off);
	if (n < 0)
		return -errno;
	if (n != SPOOL_REC_HDR)
		return -EBADMSG;
	c = cur_init(s->buf, SPOOL_REC_HDR);
	len = cur_be32(&c);
	crc = cur_be32(&c);
	if (len == 0 && crc == 0)
		return 0;		/* a zero header ends the records */
	if (len == 0 || len > SPOOL_RECORD_MAX ||
	    s->segs[i].size - off - SPOOL_REC_HDR < len)
		return -EBADMSG;
	n = pread(fd, s->buf + SPOOL_REC_HDR, len, (off_t)(off +
	    SPOOL_REC_HDR));
	if (n < 0)
		return -errno;
	if ((size_t)n != len ||
	    record_crc(s->segs[i].is_v1, s->buf, s->buf + SPOOL_REC_HDR,
	    len) != crc)
		return -EBADMSG;
	return (ssize_t)len;
}

/* Cut segment i at off: the record there and everything after it is
 * damaged.  Logged once per cut. */
static int
truncate_seg(struct spool *s, size_t i, uint64_t off)
{
	char name[32];
	int fd;

	seg_name(name, sizeof(name), s->segs[i].seq);
	log_warnx("spool %s/%s: damaged record at offset %" PRIu64
	    ", cutting off %" PRIu64 " bytes", s->dir, name, off,
	    s->segs[i].size - off);
	s->st.n_truncated++;
	s->st.truncated_bytes += s->segs[i].size - off;
	if ((fd = openat(s->dir_fd, name, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (ftruncate(fd, (off_t)off) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	close(fd);
	s->segs[i].size = off;
	if (i + 1 == s->n_segs && s->wfd >= 0 && s->alloc_end > off)
		s->alloc_end = off;
	return 0;
}

/* Cut segment i at off, silently: past the end of its records. */
static int
trim_zeros(struct spool *s, size_t i, uint64_t off)
{
	char name[32];
	int fd;

	seg_name(name, sizeof(name), s->segs[i].seq);
	if ((fd = openat(s->dir_fd, name, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (ftruncate(fd, (off_t)off) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	close(fd);
	s->segs[i].size = off;
	return 0;
}

static int
cmp_seg(const void *a, const void *b)
{
	const struct spool_seg *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Names of the form <16 hex>.seg; anything else in the directory is left
 * alone. */
static bool
parse_seg_name(const char *name, uint64_t *seq)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 16; i++) {
		char ch = name[i];
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	if (strcmp(name + 16, ".seg") != 0)
		return false;
	*seq = v;
	return true;
}

/* Collect the segments and their sizes, sorted. */
static int
list_segments(struct spool *s, size_t extra)
{
	DIR *d;
	struct dirent *de;
	size_t n = 0, cap = 16;
	int fd;

	if ((fd = dup(s->dir_fd)) < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		int e = errno;
		close(fd);
		return -e;
	}
	if ((s->segs = calloc(cap, sizeof(*s->segs))) == NULL)
		goto nomem;
	while ((de = readdir(d)) != NULL) {
		struct stat sb;
		uint64_t seq;

		if (!parse_seg_name(de->d_name, &seq))
			continue;
		if (fstatat(s->dir_fd, de->d_name, &sb, 0) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		if (n == cap) {
			struct spool_seg *ns = reallocarray(s->segs, cap * 2,
			    sizeof(*ns));
			if (ns == NULL)
				goto nomem;
			s->segs = ns;
			cap *= 2;
		}
		s->segs[n].seq = seq;
		s->segs[n].size = (uint64_t)sb.st_size;
		n++;
	}
	closedir(d);
	qsort(s->segs, n, sizeof(*s->segs), cmp_seg);
	/* Room for the segments the cap allows, allocated now: no allocation
	 * when rolling later. */
	if (n + extra > cap) {
		struct spool_seg *ns = reallocarray(s->segs, n + extra,
		    sizeof(*ns));
		if (ns == NULL) {
			errno = ENOMEM;
			return -ENOMEM;
		}
		s->segs = ns;
		cap = n + extra;
	}
	s->n_segs = n;
	s->cap_segs = cap;
	s->next_seq = n ? s->segs[n - 1].seq + 1 : 1;
	return 0;
nomem:
	closedir(d);
	return -ENOMEM;
}

static int
unlink_seg(struct spool *s, uint64_t seq)
{
	char name[32];

	seg_name(name, sizeof(name), seq);
	if (s->rfd >= 0 && s->rfd_seq == seq)
		close_rfd(s);
	if (unlinkat(s->dir_fd, name, 0) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Drop segs[0] from the list (its file is already gone). */
static void
shift_head(struct spool *s)
{
	memmove(&s->segs[0], &s->segs[1], (s->n_segs - 1) *
	    sizeof(*s->segs));
	s->n_segs--;
	if (s->rd_idx > 0)
		s->rd_idx--;
	else
		s->rd_off = SPOOL_SEG_HDR;
}

/* spool.pos: "seq off\n" in decimal; missing or unreadable means the start
 * of the oldest segment. */
static bool
read_pos(struct spool *s, uint64_t *seq, uint64_t *off)
{
	char buf[96];
	ssize_t n;
	int fd;
	unsigned long long a, b;

	if ((fd = openat(s->dir_fd, "spool.pos", O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &a, &b) != 2)
		return false;
	*seq = a;
	*off = b;
	return true;
}

static int
write_pos(struct spool *s)
{
	char buf[96];
	int fd, len;
	uint64_t seq = s->n_segs ? s->segs[0].seq : s->next_seq;
	uint64_t off = s->n_segs ? s->ack_off : SPOOL_SEG_HDR;

	len = snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64 "\n", seq, off);
	fd = openat(s->dir_fd, "spool.pos.tmp", O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len) {
		int e = errno ? errno : EIO;
		close(fd);
		return -e;
	}
	close(fd);
	if (renameat(s->dir_fd, "spool.pos.tmp", s->dir_fd, "spool.pos") != 0)
		return -errno;
	return 0;
}

/* Segment i does not even start with the magic: log it, keep the file
 * with a fresh header and nothing else. */
static int
reset_seg(struct spool *s, size_t i)
{
	char name[32];
	int fd, rc;

	if ((rc = truncate_seg(s, i, 0)) != 0)
		return rc;
	seg_name(name, sizeof(name), s->segs[i].seq);
	if ((fd = openat(s->dir_fd, name, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (write(fd, spool_magic, SPOOL_SEG_HDR) != SPOOL_SEG_HDR) {
		close(fd);
		return -EIO;
	}
	close(fd);
	s->segs[i].size = SPOOL_SEG_HDR;
	return 0;
}

/* Count the records again after a cut: pending from the acknowledged
 * position, read up to the read cursor. */
static int
recount(struct spool *s)
{
	uint64_t pending = 0, read = 0;

	for (size_t i = 0; i < s->n_segs; i++) {
		uint64_t off = i == 0 ? s->ack_off : SPOOL_SEG_HDR;

		for (;;) {
			ssize_t len = read_record(s, i, off);

			if (len == 0 || len == -EBADMSG)
				break;
			if (len < 0)
				return (int)len;
			pending++;
			if (i < s->rd_idx ||
			    (i == s->rd_idx && off < s->rd_off))
				read++;
			off += SPOOL_REC_HDR + (uint64_t)len;
		}
	}
	s->ord_read = s->ord_ack + read;
	s->ord_write = s->ord_ack + pending;
	update_gauges(s);
	return 0;
}

/* Check every record of every segment; cut damaged tails; count the
 * records from the acknowledged position on. */
static int
scan(struct spool *s)
{
	uint64_t pos_seq = 0, pos_off = 0;
	bool has_pos = read_pos(s, &pos_seq, &pos_off);
	uint64_t pending = 0;
	int rc;

	/* Segments older than the saved position were delivered; the run
	 * that delivered them died before deleting them. */
	while (has_pos && s->n_segs > 0 && s->segs[0].seq < pos_seq) {
		if ((rc = unlink_seg(s, s->segs[0].seq)) != 0)
			return rc;
		shift_head(s);
	}
	s->ack_off = SPOOL_SEG_HDR;
	for (size_t i = 0; i < s->n_segs; i++) {
		uint64_t off = SPOOL_SEG_HDR;
		uint64_t from = SPOOL_SEG_HDR;
		char magic[SPOOL_SEG_HDR];
		ssize_t n;
		int fd;

		if (i == 0 && has_pos && s->segs[0].seq == pos_seq)
			from = pos_off;
		if ((fd = seg_rfd(s, i)) < 0)
			return -errno;
		n = pread(fd, magic, sizeof(magic), 0);
		s->segs[i].is_v1 = n == (ssize_t)sizeof(magic) &&
		    memcmp(magic, spool_magic_v1, sizeof(magic)) == 0;
		if (n != (ssize_t)sizeof(magic) || (!s->segs[i].is_v1 &&
		    memcmp(magic, spool_magic, sizeof(magic)) != 0)) {
			if ((rc = reset_seg(s, i)) != 0)
				return rc;
			continue;
		}
		for (;;) {
			ssize_t len = read_record(s, i, off);

			if (len == 0) {
				/* Room allocated for appending, or a
				 * reused file's old records: not ours. */
				if (off < s->segs[i].size &&
				    (rc = trim_zeros(s, i, off)) != 0)
					return rc;
				break;
			}
			if (len == -EBADMSG) {
				if ((rc = truncate_seg(s, i, off)) != 0)
					return rc;
				break;
			}
			if (len < 0)
				return (int)len;
			if (off >= from)
				pending++;
			else if (i == 0)
				s->ack_off = off + SPOOL_REC_HDR +
				    (uint64_t)len;
			off += SPOOL_REC_HDR + (uint64_t)len;
		}
		if (i == 0 && from > off)	/* position past a cut tail */
			s->ack_off = off;
	}
	s->ord_ack = 0;
	s->ord_read = 0;
	s->ord_write = pending;
	s->rd_idx = 0;
	s->rd_off = s->ack_off;
	return 0;
}

static int
check_dir(struct spool *s, const char *dir, char *err, size_t errlen)
{
	char probe[64];
	struct stat sb;
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		set_err(err, errlen, errno, "spool directory %s: cannot create",
		    dir);
		return -1;
	}
	if ((s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		set_err(err, errlen, errno, "spool directory %s", dir);
		return -1;
	}
	if (fstat(s->dir_fd, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		set_err(err, errlen, ENOTDIR, "spool directory %s", dir);
		return -1;
	}
	snprintf(probe, sizeof(probe), ".probe.%ld", (long)getpid());
	if ((fd = openat(s->dir_fd, probe, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) < 0 || write(fd, "x", 1) != 1) {
		set_err(err, errlen, errno ? errno : EIO,
		    "spool directory %s is not writable", dir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	unlinkat(s->dir_fd, probe, 0);
	if ((s->lock_fd = openat(s->dir_fd, "spool.lock", O_RDWR | O_CREAT |
	    O_CLOEXEC, 0600)) < 0) {
		set_err(err, errlen, errno, "spool directory %s: spool.lock",
		    dir);
		return -1;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		set_err(err, errlen, errno,
		    "spool directory %s is in use by another process", dir);
		return -1;
	}
	return 0;
}

static void
spool_free(struct spool *s)
{
	if (s == NULL)
		return;
	close_rfd(s);
	close_tail(s, false);
	file_close(s, &s->prev);
	file_close(s, &s->spare);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->segs);
	free(s->buf);
	free(s);
}

struct spool *
spool_open(const struct spool_config *cfg, char *err, size_t errlen)
{
	struct spool *s;
	uint64_t seg_bytes, max_bytes;
	size_t extra;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		set_err(err, errlen, ENOMEM, "spool %s", cfg->dir);
		return NULL;
	}
	s->dir_fd = s->lock_fd = s->wfd = s->rfd = -1;
	s->prev.fd = s->spare.fd = -1;
	if (strlen(cfg->dir) >= sizeof(s->dir)) {
		set_err(err, errlen, ENAMETOOLONG, "spool directory %s",
		    cfg->dir);
		goto fail;
	}
	strcpy(s->dir, cfg->dir);
	max_bytes = cfg->max_bytes ? cfg->max_bytes : SPOOL_DEFAULT_MAX_BYTES;
	seg_bytes = cfg->segment_bytes ? cfg->segment_bytes :
	    SPOOL_DEFAULT_SEG_BYTES;
	if (seg_bytes > max_bytes)
		seg_bytes = max_bytes;
	if (seg_bytes < 4096)
		seg_bytes = 4096;
	s->max_bytes = max_bytes;
	s->segment_bytes = seg_bytes;
	s->sync_on_roll = !cfg->no_sync_on_roll;
	if (check_dir(s, cfg->dir, err, errlen) != 0)
		goto fail;
	if ((s->buf = malloc(SPOOL_REC_HDR + SPOOL_RECORD_MAX)) == NULL) {
		set_err(err, errlen, ENOMEM, "spool %s", cfg->dir);
		goto fail;
	}
	/* A segment below the roll size holds at least segment_bytes minus
	 * one record, so this many fit under the cap. */
	extra = (size_t)(max_bytes / (seg_bytes / 2 + 1)) + 4;
	if ((rc = list_segments(s, extra)) != 0) {
		set_err(err, errlen, -rc, "spool directory %s", cfg->dir);
		goto fail;
	}
	if ((rc = scan(s)) != 0) {
		set_err(err, errlen, -rc, "spool directory %s", cfg->dir);
		goto fail;
	}
	update_gauges(s);
	return s;
fail:
	spool_free(s);
	return NULL;
}

/* Stop appending to the newest segment: unmap it, give back what was
 * allocated past its records, optionally fsync, close. */
static void
close_tail(struct spool *s, bool sync)
{
	if (s->wfd < 0)
		return;
	if (s->map != NULL)
		munmap(s->map, s->map_len);
	s->map = NULL;
	if (s->n_segs > 0 && s->alloc_end > s->segs[s->n_segs - 1].size &&
	    ftruncate(s->wfd, (off_t)s->segs[s->n_segs - 1].size) != 0)
		log_warn("spool %s: cannot trim the last segment", s->dir);
	if (sync)
		fsync(s->wfd);
	close(s->wfd);
	s->wfd = -1;
}

/* Map fd (the newest segment, alloc_end bytes long) for appending: room
 * for a full segment and one largest record past it. */
static int
map_tail(struct spool *s, int fd, uint64_t alloc_end)
{
	void *m;

	s->map_len = (size_t)s->segment_bytes + SPOOL_REC_HDR +
	    SPOOL_RECORD_MAX;
	m = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int e = errno;
		close(fd);
		return -e;
	}
	s->map = m;
	s->wfd = fd;
	s->alloc_end = alloc_end;
	return 0;
}

/* The file holds at least end bytes: allocated a chunk at a time, so
 * that a full disk is an error here and never a fault when writing to the
 * mapping. */
static int
reserve(struct spool *s, uint64_t end)
{
	uint64_t to;

	if (end <= s->alloc_end)
		return 0;
	to = s->alloc_end + SPOOL_ALLOC_CHUNK;
	if (to < end)
		to = end;
	if (to > s->map_len)
		to = s->map_len;
	if (fallocate(s->wfd, 0, (off_t)s->alloc_end,
	    (off_t)(to - s->alloc_end)) != 0) {
		if (errno != EOPNOTSUPP)
			return -errno;
		if (ftruncate(s->wfd, (off_t)to) != 0)
			return -errno;
	}
#ifdef MADV_POPULATE_WRITE
	/* One call maps the chunk's pages writable, instead of two page
	 * faults per page (read, then write) as records are copied in. */
	{
		uint64_t from = s->alloc_end & ~(uint64_t)4095;

		(void)madvise(s->map + from, (size_t)(to - from),
		    MADV_POPULATE_WRITE);
	}
#endif
	s->alloc_end = to;
	return 0;
}

static void
file_close(struct spool *s, struct spool_file *f)
{
	if (f->fd < 0)
		return;
	munmap(f->map, s->map_len);
	close(f->fd);
	f->fd = -1;
	f->map = NULL;
}

/* At a roll: the tail stays open and mapped as prev, to become the spare
 * once its records are delivered. */
static void
retire_tail(struct spool *s)
{
	file_close(s, &s->prev);
	if (s->sync_on_roll)
		fsync(s->wfd);
	s->prev = (struct spool_file){ .fd = s->wfd, .map = s->map,
	    .alloc = s->alloc_end, .seq = s->segs[s->n_segs - 1].seq };
	s->wfd = -1;
	s->map = NULL;
}

/* The new segment is the spare, renamed: its pages are allocated and
 * mapped already, so appending to it costs no page faults.  Its first
 * record header is zeroed before the rename, so its old records are never
 * read as the new segment's. */
static int
reuse_spare(struct spool *s, const char *name)
{
	char old[32];

	memcpy(s->spare.map, spool_magic, SPOOL_SEG_HDR);
	memset(s->spare.map + SPOOL_SEG_HDR, 0, SPOOL_REC_HDR);
	seg_name(old, sizeof(old), s->spare.seq);
	if (s->rfd >= 0 && s->rfd_seq == s->spare.seq)
		close_rfd(s);
	if (renameat(s->dir_fd, old, s->dir_fd, name) != 0) {
		int e = errno;

		file_close(s, &s->spare);
		unlinkat(s->dir_fd, old, 0);
		return -e;
	}
	s->wfd = s->spare.fd;
	s->map = s->spare.map;
	s->alloc_end = s->spare.alloc;
	s->spare.fd = -1;
	s->spare.map = NULL;
	return 0;
}

/* Start a new segment for appending. */
static int
roll(struct spool *s)
{
	char name[32];
	int fd, rc;

	if (s->n_segs == s->cap_segs)
		return -ENOSPC;
	if (s->wfd >= 0)
		retire_tail(s);
	seg_name(name, sizeof(name), s->next_seq);
	if (s->spare.fd >= 0 && reuse_spare(s, name) == 0)
		goto done;
	fd = openat(s->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -errno;
	if (write(fd, spool_magic, SPOOL_SEG_HDR) != SPOOL_SEG_HDR) {
		int e = errno ? errno : EIO;
		close(fd);
		unlinkat(s->dir_fd, name, 0);
		return -e;
	}
	if ((rc = map_tail(s, fd, SPOOL_SEG_HDR)) != 0) {
		unlinkat(s->dir_fd, name, 0);
		return rc;
	}
done:
	if (s->n_segs == 0) {
		s->ack_off = SPOOL_SEG_HDR;
		s->rd_idx = 0;
		s->rd_off = SPOOL_SEG_HDR;
	}
	s->segs[s->n_segs].seq = s->next_seq++;
	s->segs[s->n_segs].size = SPOOL_SEG_HDR;
	s->segs[s->n_segs].is_v1 = false;
	s->n_segs++;
	return 0;
}

/* Reopen the newest segment for appending (after open). */
static int
open_tail(struct spool *s)
{
	char name[32];
	int fd;

	seg_name(name, sizeof(name), s->segs[s->n_segs - 1].seq);
	if ((fd = openat(s->dir_fd, name, O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	return map_tail(s, fd, s->segs[s->n_segs - 1].size);
}

int
spool_append(struct spool *s, const void *rec, size_t len)
{
	uint8_t hdr[SPOOL_REC_HDR];
	struct spool_seg *seg;
	uint64_t need = SPOOL_REC_HDR + (uint64_t)len;
	int rc;

	if (len == 0 || len > SPOOL_RECORD_MAX) {
		rc = -EMSGSIZE;
		goto drop;
	}
	if (s->n_segs == 0 || s->segs[s->n_segs - 1].size + need >
	    s->segment_bytes)
		need += SPOOL_SEG_HDR;	/* a new segment's header */
	if (disk_bytes(s) + need > s->max_bytes) {
		rc = -ENOSPC;
		goto drop;
	}
	if (s->n_segs == 0 || s->segs[s->n_segs - 1].size + SPOOL_REC_HDR +
	    len > s->segment_bytes) {
		if ((rc = roll(s)) != 0)
			goto drop;
	} else if (s->wfd < 0 && (rc = open_tail(s)) != 0)
		goto drop;
	seg = &s->segs[s->n_segs - 1];
	if ((rc = reserve(s, seg->size + 2 * SPOOL_REC_HDR + len)) != 0)
		goto drop;
	/* The payload, a zero header after it, then its own header: a
	 * process killed at any point leaves its records followed by a zero
	 * header (the end), or by one record that fails its CRC. */
	put_be32(hdr, (uint32_t)len);
	put_be32(hdr + 4, record_crc(seg->is_v1, hdr, rec, len));
	memcpy(s->map + seg->size + SPOOL_REC_HDR, rec, len);
	memset(s->map + seg->size + SPOOL_REC_HDR + len, 0, SPOOL_REC_HDR);
	/* The compiler keeps the order; a process dying (as opposed to the
	 * machine) leaves every store it made in the page cache. */
	atomic_signal_fence(memory_order_seq_cst);
	memcpy(s->map + seg->size, hdr, sizeof(hdr));
	seg->size += sizeof(hdr) + len;
	s->ord_write++;
	s->st.n_appended++;
	update_gauges(s);
	return 0;
drop:
	s->st.n_dropped++;
	return rc;
}

int
spool_read(struct spool *s, const void **rec, size_t *len,
    struct spool_pos *pos)
{
	for (;;) {
		ssize_t n;

		if (s->rd_idx >= s->n_segs)
			return 0;
		n = read_record(s, s->rd_idx, s->rd_off);
		if (n == 0) {
			if (s->rd_idx + 1 >= s->n_segs)
				return 0;
			s->rd_idx++;
			s->rd_off = SPOOL_SEG_HDR;
			continue;
		}
		if (n == -EBADMSG) {
			/* Damaged after open (disk trouble): the records
			 * from here on in this segment are gone. */
			int rc = truncate_seg(s, s->rd_idx, s->rd_off);

			if (rc != 0)
				return rc;
			if ((rc = recount(s)) != 0)
				return rc;
			continue;
		}
		if (n < 0)
			return (int)n;
		*rec = s->buf + SPOOL_REC_HDR;
		*len = (size_t)n;
		s->rd_off += SPOOL_REC_HDR + (uint64_t)n;
		pos->seq = s->segs[s->rd_idx].seq;
		pos->end = s->rd_off;
		pos->ordinal = s->ord_read++;
		return 1;
	}
}

void
spool_rewind(struct spool *s)
{
	s->rd_idx = 0;
	s->rd_off = s->n_segs ? s->ack_off : SPOOL_SEG_HDR;
	s->ord_read = s->ord_ack;
}

/* Delete segs[0], every record of which is delivered; the last rolled
 * segment is kept as the spare instead (see reuse_spare()). */
static int
drop_head(struct spool *s)
{
	uint64_t seq = s->segs[0].seq;
	int rc;

	if (s->n_segs == 1)
		close_tail(s, false);
	if (s->prev.fd >= 0 && s->prev.seq == seq) {
		if (s->spare.fd < 0) {
			s->spare = s->prev;
			s->prev.fd = -1;
			s->prev.map = NULL;
			goto shift;
		}
		file_close(s, &s->prev);
	}
	if ((rc = unlink_seg(s, seq)) != 0)
		return rc;
shift:
	shift_head(s);		/* moves the read cursor along */
	s->ack_off = SPOOL_SEG_HDR;
	return 0;
}

/* Forget the records up to pos; delete the segments wholly delivered.
 * With keep_tail, a delivered segment that is also the one being written
 * stays (its records are behind the position): the next append goes on in
 * it instead of creating a file. */
static int
advance(struct spool *s, const struct spool_pos *pos, bool keep_tail)
{
	int rc;

	if (pos->ordinal < s->ord_ack)
		return 0;			/* already acknowledged */
	while (s->n_segs > 0 && s->segs[0].seq < pos->seq)
		if ((rc = drop_head(s)) != 0)
			return rc;
	if (s->n_segs == 0 || s->segs[0].seq != pos->seq)
		return -EINVAL;
	s->st.n_acked += pos->ordinal + 1 - s->ord_ack;
	s->ord_ack = pos->ordinal + 1;
	if (s->ord_read < s->ord_ack)
		s->ord_read = s->ord_ack;
	s->ack_off = pos->end;
	s->pos_dirty = true;
	if (s->rd_idx == 0 && s->rd_off < s->ack_off)
		s->rd_off = s->ack_off;
	/* The head segment is done: delete it; if it was also the one being
	 * written, the next append starts a new one. */
	if (s->ack_off >= s->segs[0].size &&
	    !(keep_tail && s->n_segs == 1 && s->wfd >= 0)) {
		if ((rc = drop_head(s)) != 0)
			return rc;
	}
	update_gauges(s);
	return 0;
}

int
spool_ack(struct spool *s, const struct spool_pos *pos)
{
	int rc = advance(s, pos, false);

	return rc != 0 ? rc : spool_save_pos(s);
}

int
spool_advance(struct spool *s, const struct spool_pos *pos)
{
	return advance(s, pos, true);
}

int
spool_save_pos(struct spool *s)
{
	int rc;

	if (!s->pos_dirty)
		return 0;
	if ((rc = write_pos(s)) == 0)
		s->pos_dirty = false;
	return rc;
}

bool
spool_take(struct spool *s, struct spool_pos *pos)
{
	if (s->n_segs == 0 || s->ord_read + 1 != s->ord_write)
		return false;
	s->rd_idx = s->n_segs - 1;
	s->rd_off = s->segs[s->rd_idx].size;
	pos->seq = s->segs[s->rd_idx].seq;
	pos->end = s->rd_off;
	pos->ordinal = s->ord_read++;
	return true;
}

uint64_t
spool_pending(const struct spool *s)
{
	return s->ord_write - s->ord_ack;
}

const struct spool_stats *
spool_stats(const struct spool *s)
{
	return &s->st;
}

int
spool_sync(struct spool *s)
{
	if (s->wfd >= 0 && fsync(s->wfd) != 0)
		return -errno;
	return 0;
}

int
spool_close(struct spool *s)
{
	int rc;

	if (s == NULL)
		return 0;
	/* A delivered segment kept for appending is not needed any more. */
	if (s->n_segs == 1 && s->ack_off >= s->segs[0].size &&
	    spool_pending(s) == 0 && drop_head(s) == 0)
		s->pos_dirty = true;
	rc = spool_sync(s);
	close_tail(s, true);
	if (s->spare.fd >= 0) {
		file_close(s, &s->spare);
		(void)unlink_seg(s, s->spare.seq);
	}
	if (write_pos(s) != 0 && rc == 0)
		rc = -EIO;
	spool_free(s);
	return rc;
}

/* tests/delivery/test_spool.c: the on-disk spool of the Kafka output. */
#include "sensor/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/test.h"

static char base[4096];

/* A fresh directory under the build tree (the test's cwd). */
static const char *
fresh_dir(const char *name)
{
	static char path[4200];
	char cmd[4400];

	snprintf(path, sizeof(path), "%s/%s", base, name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		abort();
	return path;
}

static struct spool *
open_spool(const char *dir, uint64_t max, uint64_t seg)
{
	struct spool_config cfg = { .dir = dir, .max_bytes = max,
	    .segment_bytes = seg };
	char err[512];
	struct spool *s = spool_open(&cfg, err, sizeof(err));

	if (s == NULL)
		fprintf(stderr, "spool_open: %s\n", err);
	return s;
}

static void
make_rec(char *buf, size_t len, unsigned i)
{
	memset(buf, 'a' + (int)(i % 26), len);
	snprintf(buf, len, "rec-%06u", i);
	buf[strlen(buf)] = '|';
}

static int
count_segs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".seg") != NULL)
			n++;
	closedir(d);
	return n;
}

/* Read every remaining record and check it is rec-<from..to). */
static unsigned
read_expect(struct spool *s, unsigned from, size_t len, struct spool_pos *last)
{
	const void *rec;
	size_t n;
	char want[2048];
	unsigned i = from;

	while (spool_read(s, &rec, &n, last) == 1) {
		make_rec(want, len, i);
		if (!CHECK_EQ_U(n, len) || !CHECK(memcmp(rec, want, len) == 0))
			break;
		i++;
	}
	return i - from;
}

static void
test_crc(void)
{
	CHECK_EQ_U(spool_crc32(0, "123456789", 9), 0xcbf43926u);
	CHECK_EQ_U(spool_crc32(spool_crc32(0, "1234", 4), "56789", 5),
	    0xcbf43926u);
	CHECK_EQ_U(spool_crc32(0, "", 0), 0);
	CHECK_EQ_U(spool_crc32c(0, "123456789", 9), 0xe3069283u);
	CHECK_EQ_U(spool_crc32c(spool_crc32c(0, "1234", 4), "56789", 5),
	    0xe3069283u);
	CHECK_EQ_U(spool_crc32c(0, "12345678901234567890abc", 23),
	    spool_crc32c(spool_crc32c(0, "1234567890123", 13),
	    "4567890abc", 10));
}

static void
test_fifo_and_ack(void)
{
	const char *dir = fresh_dir("fifo");
	struct spool *s = open_spool(dir, 1 << 20, 0);
	struct spool_pos pos;
	char buf[100];
	const void *rec;
	size_t n;

	if (!CHECK(s != NULL))
		return;
	CHECK_EQ_U(spool_pending(s), 0);
	CHECK_EQ_U(spool_read(s, &rec, &n, &pos), 0);
	for (unsigned i = 0; i < 10; i++) {
		make_rec(buf, sizeof(buf), i);
		CHECK_EQ_U(spool_append(s, buf, sizeof(buf)), 0);
	}
	CHECK_EQ_U(spool_pending(s), 10);
	CHECK_EQ_U(spool_stats(s)->records, 10);
	/* Read 4, ack 3, rewind: reading starts again at the 4th. */
	for (unsigned i = 0; i < 4; i++) {
		struct spool_pos p;

		CHECK_EQ_U(spool_read(s, &rec, &n, &p), 1);
		CHECK_EQ_U(p.ordinal, i);
		if (i == 2)
			pos = p;
	}
	CHECK_EQ_U(spool_ack(s, &pos), 0);
	CHECK_EQ_U(spool_pending(s), 7);
	spool_rewind(s);
	CHECK_EQ_U(read_expect(s, 3, sizeof(buf), &pos), 7);
	/* Appends after reading everything are read next. */
	make_rec(buf, sizeof(buf), 10);
	CHECK_EQ_U(spool_append(s, buf, sizeof(buf)), 0);
	CHECK_EQ_U(read_expect(s, 10, sizeof(buf), &pos), 1);
	CHECK_EQ_U(spool_ack(s, &pos), 0);
	CHECK_EQ_U(spool_pending(s), 0);
	CHECK_EQ_U(count_segs(dir), 0);		/* delivered: nothing left */
	CHECK_EQ_U(spool_stats(s)->n_acked, 11);
	/* Empty and zero-length records are refused. */
	CHECK(spool_append(s, buf, 0) == -EMSGSIZE);
	CHECK_EQ_U(spool_stats(s)->n_dropped, 1);
	CHECK_EQ_U(spool_close(s), 0);
}

static void
test_roll_and_reopen(void)
{
	const char *dir = fresh_dir("roll");
	struct spool *s = open_spool(dir, 1 << 20, 4096);
	struct spool_pos pos;
	char buf[1000];
	const void *rec;
	size_t n;

	if (!CHECK(s != NULL))
		return;
	for (unsigned i = 0; i < 20; i++) {
		make_rec(buf, sizeof(buf), i);
		CHECK_EQ_U(spool_append(s, buf, sizeof(buf)), 0);
	}
	/* 4 records of 1008 bytes per 4096-byte segment. */
	CHECK_EQ_U(count_segs(dir), 5);
	CHECK_EQ_U(spool_stats(s)->bytes, 5 * 8 + 20 * 1008);
	for (unsigned i = 0; i < 9; i++)
		CHECK_EQ_U(spool_read(s, &rec, &n, &pos), 1);
	CHECK_EQ_U(spool_ack(s, &pos), 0);	/* 2 segments done */
	CHECK_EQ_U(count_segs(dir), 3);
	CHECK_EQ_U(spool_close(s), 0);

	/* The next run starts at the 10th record. */
	s = open_spool(dir, 1 << 20, 4096);
	if (!CHECK(s != NULL))
		return;
	CHECK_EQ_U(spool_pending(s), 11);
	CHECK_EQ_U(read_expect(s, 9, sizeof(buf), &pos), 11);
	/* Appending continues in order after what is there. */
	make_rec(buf, sizeof(buf), 20);
	CHECK_EQ_U(spool_append(s, buf, sizeof(buf)), 0);
	CHECK_EQ_U(read_expect(s, 20, sizeof(buf), &pos), 1);
	CHECK_EQ_U(spool_ack(s, &pos), 0);
	CHECK_EQ_U(count_segs(dir), 0);
	CHECK_EQ_U(spool_close(s), 0);
}

/* Damage the newest segment in place: bytes [off, off+len) become junk,
 * or the file is cut at off when junk is NULL. */
static void
damage(const char *dir, long off, const char *junk)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char newest[256] = "", path[4400];
	int fd;

	while (d != NULL && (de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".seg") && strcmp(de->d_name,
		    newest) > 0)
			snprintf(newest, sizeof(newest), "%s", de->d_name);
	if (d != NULL)
		closedir(d);
	snprintf(path, sizeof(path), "%s/%s", dir, newest);
	if ((fd = open(path, O_RDWR)) < 0)
		abort();
	if (junk == NULL) {
		if (off < 0) {
			struct stat sb;

			fstat(fd, &sb);
			off += sb.st_size;
		}
		if (ftruncate(fd, off) != 0)
			abort();
	} else if (off < 0) {
		lseek(fd, 0, SEEK_END);
		if (write(fd, junk, strlen(junk)) < 0)
			abort();
	} else if (pwrite(fd, junk, strlen(junk), off) < 0)
		abort();
	close(fd);
}

static void
test_corrupt_tail(void)
{
	const char *dir = fresh_dir("corrupt");
	struct spool *s = open_spool(dir, 1 << 20, 0);
	struct spool_pos pos;
	char buf[200];

	if (!CHECK(s != NULL))
		return;
	for (unsigned i = 0; i < 5; i++) {
		make_rec(buf, sizeof(buf), i);
		CHECK_EQ_U(spool_append(s, buf, sizeof(buf)), 0);
	}
	CHECK_EQ_U(spool_close(s), 0);

	/* A torn write: the last record lost its last 50 bytes. */
	damage(dir, -50, NULL);
	s = open_spool(dir, 1 << 20, 0);
	if (!CHECK(s != NULL))
		return;
	CHECK_EQ_U(spool_pending(s), 4);
	CHECK_EQ_U(spool_stats(s)->n_truncated, 1);
	CHECK_EQ_U(spool_stats(s)->truncated_bytes, 208 - 50);
	CHECK_EQ_U(spool_stats(s)->bytes, 8 + 4 * 208);
	/* New records go after the good ones. */
	make_rec(buf, sizeof(buf), 4);
	CHECK_EQ_U(spool_append(s, buf, sizeof(buf)), 0);
	CHECK_EQ_U(read_expect(s, 0, sizeof(buf), &pos), 5);
	CHECK_EQ_U(spool_close(s), 0);

	/* A flipped byte in the 3rd record's payload: CRC fails, the 3rd
	 * and everything after it is cut. */
	damage(dir, 8 + 2 * 208 + 8 + 100, "X");
	s = open_spool(dir, 1 << 20, 0);
	if (!CHECK(s != NULL))
		return;
	CHECK_EQ_U(spool_pending(s), 2);
	CHECK_EQ_U(read_expect(s, 0, sizeof(buf), &pos), 2);
	CHECK_EQ_U(spool_close(s), 0);

	/* Garbage after the last record (a length that runs past the end). */
	damage(dir, -1, "\x7f\xff\xff\xff junk");
	s = open_spool(dir, 1 << 20, 0);
	if (!CHECK(s != NULL))
		return;
	CHECK_EQ_U(spool_pending(s), 2);
	CHECK_EQ_U(spool_stats(s)->n_truncated, 1);
	CHECK_EQ_U(spool_close(s), 0);

	/* A header that is not ours: the segment is emptied. */
	damage(dir, 0, "NOTSPOOL");
	s = open_spool(dir, 1 << 20, 0);
	if (!CHECK(s != NULL))
		return;
	CHECK_EQ_U(spool_pending(s), 0);
	make_rec(buf, sizeof(buf), 0);
	CHECK_EQ_U(spool_append(s, buf, sizeof(buf)), 0);
	CHECK_EQ_U(read_expect(s, 0, sizeof(buf), &pos), 1);
	CHECK_EQ_U(spool_close(s), 0);
}

static void
test_cap(void)
{
	const char *dir = fresh_dir("cap");
	struct spool *s = open_spool(dir, 8192, 4096);
	struct spool_pos pos;
	char buf[1000];
	unsigned ok = 0, dropped = 0;

	if (!CHECK(s != NULL))
		return;
	for (unsigned i = 0; i < 20; i++) {
		make_rec(buf, sizeof(buf), ok);
		int rc = spool_append(s, buf, sizeof(buf));

		if (rc == 0)
			ok++;
		else if (CHECK(rc == -ENOSPC))
			dropped++;
	}
	/* Two segments of 8 + 4 * 1008 bytes = 8080 <= 8192. */
	CHECK_EQ_U(ok, 8);
	CHECK_EQ_U(dropped, 12);
	CHECK_EQ_U(spool_stats(s)->n_dropped, 12);
	CHECK(spool_stats(s)->bytes <= 8192);
	/* Delivering the first segment makes room again. */
	for (unsigned i = 0; i < 4; i++) {
		const void *rec;
		size_t n;

		CHECK_EQ_U(spool_read(s, &rec, &n, &pos), 1);
	}
	CHECK_EQ_U(spool_ack(s, &pos), 0);
	make_rec(buf, sizeof(buf), 8);
	CHECK_EQ_U(spool_append(s, buf, sizeof(buf)), 0);
	CHECK_EQ_U(read_expect(s, 4, sizeof(buf), &pos), 5);
	CHECK_EQ_U(spool_close(s), 0);
}

static void
test_errors(void)
{
	char path[4300], err[512];
	struct spool_config cfg = { 0 };
	struct spool *s, *t;
	FILE *fp;

	/* A path under a regular file cannot be a directory. */
	snprintf(path, sizeof(path), "%s/plainfile", base);
	fp = fopen(path, "w");
	if (fp != NULL)
		fclose(fp);
	snprintf(path, sizeof(path), "%s/plainfile/spool", base);
	cfg.dir = path;
	CHECK(spool_open(&cfg, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "plainfile/spool") != NULL);
	CHECK(strstr(err, "Not a directory") != NULL);

	/* One process per directory. */
	cfg.dir = fresh_dir("locked");
	s = spool_open(&cfg, err, sizeof(err));
	CHECK(s != NULL);
	t = spool_open(&cfg, err, sizeof(err));
	CHECK(t == NULL);
	CHECK(strstr(err, "in use") != NULL);
	spool_close(t);
	CHECK_EQ_U(spool_close(s), 0);
	CHECK_EQ_U(spool_close(NULL), 0);
}

/* Write-ahead use, as the Kafka output does it: each record appended and
 * taken at once (sent from memory), acknowledged LAG records later with
 * spool_advance().  Across rolls the delivered segments are reused, never
 * more than four files exist, nothing is ever read back, and after a close
 * and reopen exactly the records not acknowledged are there, in order. */
static void
test_write_ahead(void)
{
	enum { N = 400, LEN = 300, LAG = 25 };
	const char *dir = fresh_dir("wal");
	struct spool *s = open_spool(dir, 1 << 20, 4096);
	struct spool_pos pos[N], p;
	const void *rec;
	size_t n;
	char buf[LEN];
	int max_segs = 0, taken = 0;

	if (!CHECK(s != NULL))
		return;
	for (unsigned i = 0; i < N; i++) {
		make_rec(buf, LEN, i);
		if (!CHECK_EQ_U(spool_append(s, buf, LEN), 0))
			break;
		taken += spool_take(s, &pos[i]);
		CHECK_EQ_U(pos[i].ordinal, i);
		if (i >= LAG)
			CHECK_EQ_U(spool_advance(s, &pos[i - LAG]), 0);
		if (count_segs(dir) > max_segs)
			max_segs = count_segs(dir);
		CHECK_EQ_U(spool_read(s, &rec, &n, &p), 0);
	}
	CHECK_EQ_U(taken, N);
	CHECK(max_segs <= 4);
	CHECK_EQ_U(spool_pending(s), LAG);
	/* Taking needs every earlier record read. */
	spool_rewind(s);
	make_rec(buf, LEN, N);
	CHECK_EQ_U(spool_append(s, buf, LEN), 0);
	CHECK(!spool_take(s, &p));
	CHECK_EQ_U(spool_save_pos(s), 0);
	CHECK_EQ_U(spool_close(s), 0);

	s = open_spool(dir, 1 << 20, 4096);
	if (!CHECK(s != NULL))
		return;
	CHECK_EQ_U(spool_pending(s), LAG + 1);
	CHECK_EQ_U(read_expect(s, N - LAG, LEN, &p), LAG + 1);
	CHECK_EQ_U(spool_ack(s, &p), 0);
	CHECK_EQ_U(spool_close(s), 0);
	CHECK_EQ_U(count_segs(dir), 0);
}

/* A segment of the first format (CRC-32) left by an earlier version is
 * read, appended to in its own format, and delivered. */
static void
test_v1_segment(void)
{
	const char *dir = fresh_dir("v1");
	char path[4300], rec[64];
	uint8_t hdr[8];
	struct spool_pos p;
	struct spool *s;
	FILE *fp;
	uint32_t crc;

	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/0000000000000007.seg", dir);
	if (!CHECK((fp = fopen(path, "w")) != NULL))
		return;
	make_rec(rec, sizeof(rec), 0);
	hdr[0] = hdr[1] = hdr[2] = 0;
	hdr[3] = sizeof(rec);
	crc = spool_crc32(spool_crc32(0, hdr, 4), rec, sizeof(rec));
	hdr[4] = (uint8_t)(crc >> 24);
	hdr[5] = (uint8_t)(crc >> 16);
	hdr[6] = (uint8_t)(crc >> 8);
	hdr[7] = (uint8_t)crc;
	fwrite("FPSPOOL1", 1, 8, fp);
	fwrite(hdr, 1, 8, fp);
	fwrite(rec, 1, sizeof(rec), fp);
	fclose(fp);
	s = open_spool(dir, 1 << 20, 1 << 16);
	if (!CHECK(s != NULL))
		return;
	CHECK_EQ_U(spool_pending(s), 1);
	CHECK_EQ_U(spool_stats(s)->n_truncated, 0);
	make_rec(rec, sizeof(rec), 1);
	CHECK_EQ_U(spool_append(s, rec, sizeof(rec)), 0);
	CHECK_EQ_U(spool_close(s), 0);
	s = open_spool(dir, 1 << 20, 1 << 16);
	if (!CHECK(s != NULL))
		return;
	CHECK_EQ_U(read_expect(s, 0, sizeof(rec), &p), 2);
	CHECK_EQ_U(spool_stats(s)->n_truncated, 0);
	CHECK_EQ_U(spool_ack(s, &p), 0);
	CHECK_EQ_U(spool_close(s), 0);
	CHECK_EQ_U(count_segs(dir), 0);
}

int
main(void)
{
	if (getcwd(base, sizeof(base) - 64) == NULL)
		return 99;
	strcat(base, "/.tmp-test_spool");
	mkdir(base, 0700);
	log_init("test_spool", LOG_LEVEL_ERROR);
	test_crc();
	test_fifo_and_ack();
	test_roll_and_reopen();
	test_corrupt_tail();
	test_cap();
	test_errors();
	test_write_ahead();
	test_v1_segment();
	if (test_failures == 0) {
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			return 99;
	}
	return test_done("test_spool");
}

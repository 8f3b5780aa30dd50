/*
 * tests/bench/mmap_read.c: the floor below libpcap.
 *
 * Maps a classic pcap file and walks its record headers, counting packets
 * and captured bytes, and sums one byte of every packet so each frame is
 * touched.  This is what reading the file costs with no library and no
 * copy at all; the gap between it and pcap_read is libpcap's own cost.
 * Classic pcap only (any byte order, usec or nsec), not pcapng.
 *
 * usage: mmap_read FILE
 * prints: packets=N bytes=N seconds=S pps=N
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCAP_FILE_HDR_LEN	24
#define PCAP_REC_HDR_LEN	16

struct walk_result {
	uint64_t	n_packets;
	uint64_t	n_bytes;		/* captured bytes */
	uint32_t	touch;			/* sum of first bytes, kept live */
	bool		is_truncated;		/* last record cut short */
};

static uint32_t
rd32(const uint8_t *p, bool is_big_endian)
{
	if (is_big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

/*
 * Walk the records of the classic pcap in buf[0..len).  Returns false when
 * buf is not a classic pcap; *out is fully overwritten either way.
 */
static bool
walk_pcap(const uint8_t *buf, size_t len, struct walk_result *out)
{
	const uint8_t	*p = buf, *end = buf + len;
	uint32_t	 magic, caplen;
	bool		 is_big_endian;

	memset(out, 0, sizeof(*out));
	if (len < PCAP_FILE_HDR_LEN)
		return false;
	magic = rd32(buf, false);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		is_big_endian = false;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		is_big_endian = true;
	else
		return false;
	p += PCAP_FILE_HDR_LEN;
	while ((size_t)(end - p) >= PCAP_REC_HDR_LEN) {
		caplen = rd32(p + 8, is_big_endian);
		p += PCAP_REC_HDR_LEN;
		if ((size_t)(end - p) < caplen) {
			out->is_truncated = true;
			break;
		}
		if (caplen > 0)
			out->touch += p[0];
		out->n_packets++;
		out->n_bytes += caplen;
		p += caplen;
	}
	if (p != end && (size_t)(end - p) < PCAP_REC_HDR_LEN)
		out->is_truncated = true;
	return true;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct walk_result	 wr;
	struct stat		 st;
	void			*map;
	double			 t0, seconds;
	int			 fd;
	bool			 is_pcap;

	if (argc != 2) {
		fprintf(stderr, "usage: mmap_read FILE\n");
		return 2;
	}
	t0 = now_seconds();
	if ((fd = open(argv[1], O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		perror(argv[1]);
		return 1;
	}
	if (st.st_size == 0) {
		fprintf(stderr, "mmap_read: %s: empty file\n", argv[1]);
		return 1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	(void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	is_pcap = walk_pcap(map, (size_t)st.st_size, &wr);
	munmap(map, (size_t)st.st_size);
	close(fd);
	if (!is_pcap) {
		fprintf(stderr, "mmap_read: %s: not a classic pcap file\n",
		    argv[1]);
		return 1;
	}
	seconds = now_seconds() - t0;
	if (wr.is_truncated)
		fprintf(stderr, "mmap_read: %s: truncated last record\n",
		    argv[1]);
	printf("packets=%llu bytes=%llu seconds=%.6f pps=%.0f touch=%u\n",
	    (unsigned long long)wr.n_packets, (unsigned long long)wr.n_bytes,
	    seconds, seconds > 0 ? (double)wr.n_packets / seconds : 0.0,
	    (unsigned)wr.touch);
	return 0;
}

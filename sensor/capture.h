/* sensor/capture.h: reading packets from a capture file (pcap or pcapng,
 * told apart by content; "-" is stdin) through libpcap. */
#ifndef FP_SENSOR_CAPTURE_H
#define FP_SENSOR_CAPTURE_H

#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPTURE_MAX_BUFS	16

enum capture_result {
	CAPTURE_EOF = 0,	/* read to the end */
	CAPTURE_DAMAGED,	/* stopped at damage; see message */
	CAPTURE_STOPPED,	/* a signal asked us to stop */
};

struct capture {
	pcap_t		*pcap;		/* libpcap reader, or NULL */
	const char	*path;
	int		 dlt;
	uint64_t	 n_read;
	/* Classic pcap in a regular file, read in large blocks without
	 * libpcap: buf holds whole records from buf_off to buf_len. */
	int		 fd;		/* -1: libpcap reads */
	uint8_t		*buf;
	size_t		 buf_off;	/* next record header */
	size_t		 buf_len;
	bool		 eof;		/* read() returned 0 */
	bool		 swapped;	/* other byte order than ours */
	bool		 nsec;		/* nanosecond timestamps */
	uint32_t	 snaplen;
	/* capture_share_buffers(): buf is bufs[gen % n_bufs]; 0 or 1
	 * buffer: buf alone, each read into it. */
	uint8_t		*bufs[CAPTURE_MAX_BUFS];
	unsigned	 n_bufs;
	uint64_t	 gen;		/* reads into a new buffer so far */
	void		(*on_reuse)(void *arg, uint64_t gen);
	void		*reuse_arg;
	bool		 has_filter;
	struct bpf_program filter;
	uint64_t	 n_over_snaplen; /* records longer than the snaplen */
	char		 err[PCAP_ERRBUF_SIZE + 512];
};

/* Called for each packet; data is borrowed until it returns. */
typedef void	capture_fn(void *arg, int dlt, uint64_t ts_us,
		    const uint8_t *data, uint32_t caplen, uint32_t wire_len);

/* Open path and apply the BPF filter (may be NULL).  A regular file in the
 * classic pcap format is read in 1 MiB blocks without libpcap (the same
 * checks, messages and results, one read() per block instead of stdio
 * per record, and no page fault per page as a memory map takes); pcapng,
 * stdin and anything else go through libpcap.  Returns 0, or -1 with a message
 * naming the file in c->err. */
int			 capture_open_offline(struct capture *c,
			    const char *path, const char *bpf);

/* For readers on other threads (sensor/live.h): the block path reads
 * into n buffers (2 to CAPTURE_MAX_BUFS) in turn, so the data of a packet
 * handed to fn stays readable after fn returns, until its buffer comes
 * round again.  A buffer's generation counts the buffers filled before it
 * (the first is 0).  Before the buffer of generation gen is filled,
 * on_reuse(arg, gen) is called: every packet handed out so far is of an
 * earlier generation, and it must return once no packet of generation gen
 * - n or earlier is in use any more.  Returns 1 if so set up, 0 when c is
 * not read by the block path (packets are borrowed for fn only), -1 with
 * errno when a buffer cannot be allocated. */
int			 capture_share_buffers(struct capture *c, unsigned n,
			    void (*on_reuse)(void *arg, uint64_t gen),
			    void *arg);

/* Read every packet into fn until the end, damage, or *stop. */
enum capture_result	 capture_run(struct capture *c, capture_fn *fn,
			    void *arg, volatile sig_atomic_t *stop);

void			 capture_close(struct capture *c);

#endif

/* tests/unit/test_log.c: the log's limits on repeated messages and on
 * bursts, read back from the stderr it writes. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/test.h"

static char path[] = "/tmp/fp-test-log.XXXXXX";

/* Lines of the log so far that contain text. */
static unsigned
count(const char *text)
{
	char line[2048];
	unsigned n = 0;
	FILE *fp;

	fflush(stderr);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, text) != NULL)
			n++;
	fclose(fp);
	return n;
}

static void
say_a(int i)
{
	log_warnx("message a %d", i);
}

int
main(void)
{
	int fd = mkstemp(path), saved = dup(2);

	if (fd < 0 || saved < 0 || freopen(path, "w", stderr) == NULL)
		return 99;
	close(fd);
	log_init("test", LOG_LEVEL_WARN);
	log_set_repeat(3, 3600);

	for (int i = 0; i < 10; i++)
		say_a(i);
	CHECK_EQ_U(count("message a"), 3);
	CHECK_EQ_U(count("suppressed"), 0);
	log_warnx("another message");
	CHECK_EQ_U(count("another message"), 1);
	log_info("below the level");
	CHECK_EQ_U(count("below the level"), 0);
	log_errx("error %d", 1);
	log_errx("error %d", 2);
	log_errx("error %d", 3);
	log_errx("error %d", 4);
	CHECK_EQ_U(count("msg=\"error"), 4);	/* errors are never held */

	/* The window ends: the count of what was held back, then the
	 * message again. */
	log_set_repeat(3, 0);
	say_a(10);
	CHECK_EQ_U(count("msg=\"7 repeats of a message suppressed\" "
	    "format=\"message a %d\""), 1);
	CHECK_EQ_U(count("message a 10"), 1);

	/* Bursts: at most 50 lines a second over all messages. */
	log_set_repeat(1000, 3600);
	for (int i = 0; i < 200; i++)
		log_warnx("burst %d", i);
	CHECK(count("burst") <= 100);		/* a second may turn */
	CHECK(count("burst") < 200);
	fflush(stderr);
	dup2(saved, 2);
	unlink(path);
	return test_done("test_log");
}

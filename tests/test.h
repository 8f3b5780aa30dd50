/* tests/test.h: minimal unit-test helpers.  Exit status follows automake's
 * test driver: 0 pass, 1 fail, 77 skip, 99 hard error. */
#ifndef FP_TESTS_TEST_H
#define FP_TESTS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(expr) test_check((expr) != 0, #expr, __FILE__, __LINE__)
#define CHECK_EQ_U(a, b) test_check_u((uint64_t)(a), (uint64_t)(b), \
	#a, #b, __FILE__, __LINE__)
#define CHECK_EQ_S(a, b) test_check_s((a), (b), #a, #b, __FILE__, __LINE__)

static inline int
test_check(int ok, const char *what, const char *file, int line)
{
	test_checks++;
	if (!ok) {
		test_failures++;
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", file, line, what);
	}
	return ok;
}

static inline int
test_check_u(uint64_t a, uint64_t b, const char *as, const char *bs,
    const char *file, int line)
{
	test_checks++;
	if (a != b) {
		test_failures++;
		fprintf(stderr, "%s:%d: %s == %s failed: %" PRIu64 " != %"
		    PRIu64 "\n", file, line, as, bs, a, b);
		return 0;
	}
	return 1;
}

static inline int
test_check_s(const char *a, const char *b, const char *as, const char *bs,
    const char *file, int line)
{
	test_checks++;
	if (a == NULL || b == NULL || strcmp(a, b) != 0) {
		test_failures++;
		fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",
		    file, line, as, bs, a ? a : "(null)", b ? b : "(null)");
		return 0;
	}
	return 1;
}

/* Call at the end of main(): prints a summary, returns the exit status. */
static inline int
test_done(const char *name)
{
	fprintf(stderr, "%s: %d checks, %d failed\n", name, test_checks,
	    test_failures);
	return test_failures ? 1 : 0;
}

/* Test inputs live under $(top_srcdir); AM_TESTS_ENVIRONMENT exports it. */
static inline const char *
test_srcdir(void)
{
	const char *s = getenv("top_srcdir");
	return s ? s : ".";
}

#endif

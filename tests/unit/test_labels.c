/* tests/unit/test_labels.c: models/labels.yaml loads and maps; broken
 * files fail with FILE:LINE:COL. */
#include "models/labels.h"

#include <stdio.h>
#include <string.h>

#include "tests/test.h"

static const char *tmp = "test_labels.tmp.yaml";

static void
expect_error(const char *yaml, const char *where, const char *why)
{
	struct labels l;
	char err[512], want[128];
	FILE *f = fopen(tmp, "w");

	fputs(yaml, f);
	fclose(f);
	snprintf(want, sizeof(want), "%s:%s: ", tmp, where);
	CHECK(labels_load(tmp, &l, err, sizeof(err)) == -1);
	if (!CHECK(strncmp(err, want, strlen(want)) == 0 &&
	    strstr(err, why) != NULL))
		fprintf(stderr, "got '%s', want '%s...%s'\n", err, want, why);
	CHECK(l.n_rules == 0 && l.rules == NULL);
}

static void
test_shipped(void)
{
	struct labels l;
	char path[1024], err[512];
	int chrome, firefox, schannel, windows, macos;

	snprintf(path, sizeof(path), "%s/models/labels.yaml", test_srcdir());
	if (!CHECK(labels_load(path, &l, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	chrome = labels_class(&l, LABELS_CLIENT, "chrome");
	firefox = labels_class(&l, LABELS_CLIENT, "firefox");
	schannel = labels_class(&l, LABELS_CLIENT, "dotnet_schannel");
	windows = labels_class(&l, LABELS_OS, "windows");
	macos = labels_class(&l, LABELS_OS, "macos");
	CHECK(chrome >= 0 && firefox >= 0 && schannel >= 0);
	CHECK_EQ_U(labels_match(&l, "mercury", LABELS_CLIENT, "chrome.exe"),
	    chrome);
	CHECK_EQ_U(labels_match(&l, "mercury", LABELS_CLIENT,
	    "Google Chrome Helper"), chrome);
	CHECK_EQ_U(labels_match(&l, "mercury", LABELS_CLIENT, "firefox.exe"),
	    firefox);
	CHECK_EQ_U(labels_match(&l, "mercury", LABELS_CLIENT, "iexplore.exe"),
	    schannel);
	CHECK(labels_match(&l, "mercury", LABELS_CLIENT, "virtualboxvm.exe")
	    == -1);
	CHECK_EQ_U(labels_match(&l, "mercury", LABELS_OS,
	    "(WinNT)(Windows 10 Enterprise)(10.0.17134)"), windows);
	CHECK_EQ_U(labels_match(&l, "mercury", LABELS_OS,
	    "(Mac OS X)(10.15.4)"), macos);
	CHECK(labels_match(&l, "nosuchsource", LABELS_CLIENT, "chrome.exe")
	    == -1);
	labels_free(&l);
	labels_free(&l);		/* emptied: safe again */
}

int
main(void)
{
	test_shipped();
	expect_error("client_classes: [a, b]\nos_classes: [x, y]\n"
	    "mercury:\n  client:\n    c: [foo]\n", "5:5",
	    "unknown class 'c'");
	expect_error("client_classes: [a, b]\nos_classes: [x, y]\n"
	    "mercury:\n  browser:\n    a: [foo]\n", "4:3", "unknown key");
	expect_error("client_classes: [a, a]\nos_classes: [x, y]\n", "1:21",
	    "given twice");
	expect_error("client_classes: [a, b]\n", "1:1", "os_classes missing");
	expect_error("client_classes: [a, b]\nos_classes: [x, y]\n"
	    "mercury:\n  client:\n    a: foo\n", "5:8", "sequence");
	expect_error("client_classes: [a, b\n", "2:1", "");
	expect_error("- a\n", "1:1", "a mapping expected");
	{
		struct labels l;
		char err[256];

		CHECK(labels_load("/nonexistent/labels.yaml", &l, err,
		    sizeof(err)) == -1);
		CHECK(strstr(err, "/nonexistent/labels.yaml: ") == err);
	}
	remove(tmp);
	return test_done("test_labels");
}

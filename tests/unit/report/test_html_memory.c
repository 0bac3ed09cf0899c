// SPDX-License-Identifier: GPL-2.0
/*
 * report_html's memory is bounded by the lab, not by the run: ten times the drops in
 * events.jsonl, the same peak of live heap while the page is built, and every drop still drawn
 * on both charts (so they came back from the file). The heap is measured exactly by replacing
 * malloc in this program (glibc allows it: every allocation, the libraries' too, comes here).
 */
/* MODULES: report_html html_model html_charts html_tables spool i18n */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "report/report_html.h"

/* ---- malloc, counted ---- */

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t k, size_t n);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t align, size_t n);
void __libc_free(void *p);

static long long live, peak;

static void *counted(void *p)
{
	if (p) {
		live += (long long)malloc_usable_size(p);
		if (live > peak)
			peak = live;
	}
	return p;
}

void *malloc(size_t n)
{
	return counted(__libc_malloc(n));
}

void *calloc(size_t k, size_t n)
{
	return counted(__libc_calloc(k, n));
}

void free(void *p)
{
	if (p)
		live -= (long long)malloc_usable_size(p);
	__libc_free(p);
}

void *realloc(void *p, size_t n)
{
	long long old = p ? (long long)malloc_usable_size(p) : 0;
	void *q = __libc_realloc(p, n);

	if (!q)
		return NULL;	/* p is untouched (or n was 0 and p freed: not done here) */
	live -= old;
	return counted(q);
}

void *memalign(size_t align, size_t n)
{
	return counted(__libc_memalign(align, n));
}

void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

int posix_memalign(void **ret, size_t align, size_t n)
{
	void *p = memalign(align, n);

	if (!p)
		return ENOMEM;
	*ret = p;
	return 0;
}

/* ---- the run ---- */

static const char *const clients =
	"{\"schema\":1,\"lab\":\"long\",\"kernel\":\"6.18.44\",\"ok\":true,\"duration_s\":60.0,"
	"\"gate\":{\"enabled\":true,\"syn_dropped\":1,\"paws_msl_s\":60.0,\"paws_window\":1},"
	"\"clients\":["
	"{\"name\":\"alice\",\"attempts\":2,\"connected\":2,\"syn_dropped\":0},"
	"{\"name\":\"bob\",\"attempts\":1,\"connected\":0,\"syn_dropped\":1},"
	"{\"name\":\"carol\",\"attempts\":1,\"connected\":0,\"syn_dropped\":1}],"
	"\"counters\":{\"server\":{},\"router\":{}},\"nat\":[],\"expect\":[]}";

/* alice connects and leaves a record, then bob and carol lose n SYNs between them; wire: bob
 * and carol's SYNs are instead rejected by PAWS at the server n times between them, each with
 * the client's RST (exercise 5: the twwatch lines come after the attempts), and bob has one
 * slow connect around his first reject */
static void write_events(const char *path, int n, bool wire)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("{\"t\":0.0,\"type\":\"attempt\",\"client\":\"alice\",\"seq\":0,"
	      "\"local\":\"100.64.0.2:40000\",\"outcome\":\"ok\",\"connect_ms\":0.3,\"end\":0.01,"
	      "\"syn_retrans\":0,\"errno\":0}\n"
	      "{\"t\":0.0,\"type\":\"syn\",\"client\":\"alice\","
	      "\"tuple\":\"198.51.100.1:40000>198.51.100.2:8080\",\"verdict\":\"pass\","
	      "\"reason\":\"no-record\",\"tsval\":864000000}\n"
	      "{\"t\":0.01,\"type\":\"record\",\"client\":\"alice\","
	      "\"tuple\":\"198.51.100.1:40000>198.51.100.2:8080\",\"action\":\"update\","
	      "\"ts_recent\":864000000,\"record_ts\":864000000}\n", f);
	if (wire)
		fputs("{\"t\":0.02,\"type\":\"attempt\",\"client\":\"bob\",\"seq\":0,"
		      "\"local\":\"100.64.0.6:1024\",\"outcome\":\"ok\",\"connect_ms\":10.3,"
		      "\"syn_retrans\":1,\"errno\":0}\n", f);
	for (int i = 0; wire && i < n; i++)
		fprintf(f, "{\"t\":%.6f,\"type\":\"paws_reject\",\"client\":\"%s\","
			   "\"tuple\":\"198.51.100.1:%d>198.51.100.2:8080\",\"syn_t\":%.6f,"
			   "\"tsval\":%d,\"tw_ts_recent\":864000000,\"behind\":%d}\n"
			   "{\"t\":%.6f,\"type\":\"rst\",\"client\":\"%s\","
			   "\"tuple\":\"198.51.100.1:%d>198.51.100.2:8080\",\"from\":\"client\","
			   "\"answers\":\"timewait_ack\"}\n",
			0.021 + i * 0.001, i % 2 ? "carol" : "bob", 1024 + i % 60000, 0.021 + i * 0.001,
			3600000 + i, 864000000 - 3600000 - i, 0.021 + i * 0.001,
			i % 2 ? "carol" : "bob", 1024 + i % 60000);
	for (int i = 0; !wire && i < n; i++)
		fprintf(f, "{\"t\":%.6f,\"type\":\"syn\",\"client\":\"%s\","
			   "\"tuple\":\"198.51.100.1:%d>198.51.100.2:8080\",\"verdict\":\"drop\","
			   "\"reason\":\"paws\",\"tsval\":%d,\"record_ts\":864000000,"
			   "\"record_age_s\":%.3f,\"behind\":%d}\n",
			0.02 + i * 0.001, i % 2 ? "carol" : "bob", 1024 + i % 60000,
			3600000 + i, 0.01 + i * 0.001, 864000000 - 3600000 - i);
	assert_int_equal(fclose(f), 0);
}

static int count(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0)
		for (const char *p = line; (p = strstr(p, needle)); p += strlen(needle))
			n++;
	free(line);
	fclose(f);
	return n;
}

struct built {
	long long heap;		/* peak of live heap while the page was built, over its start */
	int timeline_drops, tsval_drops;
	int paws, rsts, slow_why;	/* marks drawn; the slow connect's reason */
	int files_left;		/* in the folder given for the temporary file */
};

static struct built build(int n_drops, bool wire)
{
	char dir[] = "/tmp/twl-test-htmlmem.XXXXXX", events[64], out[64];
	json_t *res = json_loads(clients, 0, NULL);
	struct built b = {0};
	FILE *ev, *f;
	int dfd;

	assert_non_null(res);
	assert_non_null(mkdtemp(dir));
	snprintf(events, sizeof(events), "%s/events.jsonl", dir);
	snprintf(out, sizeof(out), "/tmp/twl-test-htmlmem-%d.html", (int)getpid());
	write_events(events, n_drops, wire);
	dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	assert_true(dfd >= 0);
	ev = fopen(events, "r");
	f = fopen(out, "w");
	assert_non_null(ev);
	assert_non_null(f);

	peak = live;
	b.heap = -live;
	assert_int_equal(report_html(res, ev, f, dfd), 0);
	b.heap += peak;

	assert_int_equal(fclose(f), 0);
	fclose(ev);
	unlink(events);
	b.files_left = rmdir(dir) ? -1 : 0;	/* the temporary file never had a name there */
	close(dfd);
	b.timeline_drops = count(out, "class=\"mark drop\"");
	b.tsval_drops = count(out, "class=\"pt drop\"");
	b.paws = count(out, "class=\"mark paws\"");
	b.rsts = count(out, "class=\"mark rst\"");
	b.slow_why = count(out, "— its first SYN was rejected by PAWS at the server; its RST");
	unlink(out);
	json_decref(res);
	return b;
}

#define SHORT_RUN 3000
#define LONG_RUN  30000
/* what may differ between the two builds: a few allocations of a different size */
#define SLACK	  (64 * 1024)

static void test_heap_flat_in_drops(void **state)
{
	struct built s, l;

	(void)state;
	s = build(SHORT_RUN, false);
	l = build(LONG_RUN, false);
	print_message("peak heap building the page: %lld bytes for %d drops, %lld for %d\n",
		      s.heap, SHORT_RUN, l.heap, LONG_RUN);
	/* every drop drawn, twice: they were read back */
	assert_int_equal(s.timeline_drops, SHORT_RUN);
	assert_int_equal(s.tsval_drops, SHORT_RUN);
	assert_int_equal(l.timeline_drops, LONG_RUN);
	assert_int_equal(l.tsval_drops, LONG_RUN);
	assert_int_equal(s.files_left, 0);
	assert_int_equal(l.files_left, 0);
	/* ten times the drops, no more memory (holding them would be ~200 bytes each: 5 MB) */
	assert_true(s.heap > 0);
	assert_true(l.heap <= s.heap + SLACK);
}

/* The same with what the server's link showed (exercise 5): every reject and RST drawn, the slow
 * connect's reason found among them, and no more memory for ten times as many. */
static void test_heap_flat_in_wire_events(void **state)
{
	struct built s, l;

	(void)state;
	s = build(SHORT_RUN, true);
	l = build(LONG_RUN, true);
	print_message("peak heap building the page: %lld bytes for %d rejects and RSTs, %lld for "
		      "%d\n", s.heap, SHORT_RUN, l.heap, LONG_RUN);
	assert_int_equal(s.paws, SHORT_RUN);
	assert_int_equal(s.rsts, SHORT_RUN);
	assert_int_equal(l.paws, LONG_RUN);
	assert_int_equal(l.rsts, LONG_RUN);
	/* on the timeline (the first-wire list has bob's first three: rejects and an RST
	 * before his connect ends) */
	assert_int_equal(s.slow_why, 1);
	assert_int_equal(l.slow_why, 1);
	assert_int_equal(l.files_left, 0);
	assert_true(s.heap > 0);
	assert_true(l.heap <= s.heap + SLACK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_flat_in_drops),
		cmocka_unit_test(test_heap_flat_in_wire_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

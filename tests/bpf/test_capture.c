// SPDX-License-Identifier: GPL-2.0
/*
 * capture: a pcap of one end of a veth pair in a scratch network namespace, read back with
 * pcap_open_offline. Root. The namespace is anonymous (unshare on this thread): it goes away
 * with its veths when teardown moves the thread back and nothing refers to it any more.
 */
/* MODULES: capture outdir pcapng annotate */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "run/capture.h"
#include "run/outdir.h"

#define DEV_A  "twl-cap-a"
#define DEV_B  "twl-cap-b"
#define MAC_B  "02:00:00:00:00:02"
#define PEER   "10.9.0.9" /* not local: sent out of DEV_A to DEV_B's MAC, seen on DEV_B */
#define PORT   9999
#define N_PKTS 5

extern char **environ;

struct fx {
	int orig_ns;
	char dir[64];
	char pcap[96];
	struct outdir out;
	struct capture *cap;
};

/* ip(8) in the calling thread's netns: the child is cloned from this thread */
static int run_ip(const char *const argv[])
{
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "ip", NULL, NULL, (char *const *)argv, environ))
		return -1;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int teardown(void **state);

static int setup(void **state)
{
	static const char *const cmds[][16] = {
		{"ip", "link", "set", "lo", "up", NULL},
		{"ip", "link", "add", DEV_A, "type", "veth", "peer", "name", DEV_B, NULL},
		{"ip", "link", "set", DEV_B, "address", MAC_B, NULL},
		{"ip", "addr", "add", "10.9.0.1/24", "dev", DEV_A, NULL},
		{"ip", "link", "set", DEV_B, "up", NULL},
		{"ip", "link", "set", DEV_A, "up", NULL},
		{"ip", "neigh", "add", PEER, "lladdr", MAC_B, "dev", DEV_A, "nud", "permanent",
		 NULL},
	};
	char why[256];
	struct fx *fx;

	if (geteuid() != 0)
		return 0; /* the tests skip */
	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->orig_ns = -1;
	fx->out.fd = -1;
	strcpy(fx->dir, "/tmp/twl-test-capture.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->pcap, sizeof(fx->pcap), "%s/b.pcap", fx->dir);
	*state = fx;
	if (outdir_open(fx->dir, false, &fx->out, why, sizeof(why)))
		goto fail;
	/* from here on teardown undoes whatever exists */
	fx->orig_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fx->orig_ns < 0 || unshare(CLONE_NEWNET))
		goto fail;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (run_ip(cmds[i]))
			goto fail;
	return 0;
fail:
	/* cmocka does not run teardown after a failed setup */
	teardown(state);
	*state = NULL;
	return -1;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	int err = 0;

	if (!fx)
		return 0;
	capture_close(fx->cap);
	if (fx->orig_ns >= 0) {
		err = setns(fx->orig_ns, CLONE_NEWNET);
		close(fx->orig_ns);
	}
	/* leak check: the veths lived in the scratch namespace only */
	if (!err && (if_nametoindex(DEV_A) || if_nametoindex(DEV_B)))
		err = -1;
	outdir_close(&fx->out);
	unlink(fx->pcap);
	rmdir(fx->dir);
	free(fx);
	return err ? -1 : 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void send_udp(int n)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	assert_int_equal(inet_pton(AF_INET, PEER, &to.sin_addr), 1);
	for (int i = 0; i < n; i++) {
		char msg[32];
		int len = snprintf(msg, sizeof(msg), "twlab %d", i);

		assert_int_equal(sendto(s, msg, len, 0, (struct sockaddr *)&to, sizeof(to)), len);
	}
	close(s);
}

/* packets in path that match filter */
static int count_offline(const char *path, const char *filter, int *ret_snaplen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = pcap_open_offline(path, errbuf);
	int n = 0;

	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	*ret_snaplen = pcap_snapshot(p);
	assert_int_equal(pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN), 0);
	while (pcap_next_ex(p, &h, &data) == 1)
		n += pcap_offline_filter(&prog, h, data) != 0;
	pcap_freecode(&prog);
	pcap_close(p);
	return n;
}

static void test_capture_veth(void **state)
{
	struct fx *fx = *state;
	long long deadline;
	unsigned recv = 0, drop = 0;
	int got = 0, snaplen = 0;

	if (!fx)
		skip();
	assert_int_equal(capture_open(DEV_B, &fx->out, "b.pcap", &fx->cap), 0);
	assert_true(capture_fd(fx->cap) >= 0);
	/* nothing sent yet on purpose: dispatch on an empty ring returns 0, not an error */
	assert_true(capture_dispatch(fx->cap) >= 0);
	send_udp(N_PKTS);
	deadline = now_ms() + 3000;
	while (got < N_PKTS && now_ms() < deadline) {
		struct pollfd pfd = {.fd = capture_fd(fx->cap), .events = POLLIN};
		int n;

		poll(&pfd, 1, (int)(deadline - now_ms()));
		n = capture_dispatch(fx->cap);
		assert_true(n >= 0);
		got += n;
	}
	/* IPv6 neighbour discovery may add a few packets of its own */
	assert_true(got >= N_PKTS);
	assert_int_equal(capture_stats(fx->cap, &recv, &drop), 0);
	assert_true(recv >= N_PKTS);
	assert_int_equal(drop, 0);
	assert_int_equal(capture_close(fx->cap), 0);
	fx->cap = NULL;

	assert_int_equal(
		count_offline(fx->pcap, "udp and dst host " PEER " and dst port 9999", &snaplen),
		N_PKTS);
	assert_int_equal(snaplen, CAPTURE_SNAPLEN);
}

/* capture_close writes what is still in the ring: no dispatch before it */
static void test_close_drains(void **state)
{
	struct fx *fx = *state;
	int snaplen;

	if (!fx)
		skip();
	assert_int_equal(capture_open(DEV_B, &fx->out, "b.pcap", &fx->cap), 0);
	send_udp(3);
	/* the frames cross the veth synchronously in sendto: they are in the ring now */
	/* the file has its name only once it is complete */
	assert_int_equal(access(fx->pcap, F_OK), -1);
	assert_int_equal(capture_close(fx->cap), 0);
	fx->cap = NULL;
	assert_int_equal(count_offline(fx->pcap, "udp and dst port 9999", &snaplen), 3);
}

static void test_errors(void **state)
{
	struct fx *fx = *state;
	struct capture *c = NULL;

	if (!fx)
		skip();
	assert_int_equal(capture_open("twl-nosuch0", &fx->out, "b.pcap", &c), -ENODEV);
	assert_null(c);
	assert_int_equal(capture_open(DEV_B, &fx->out, "no/such/dir.pcap", &c), -EINVAL);
	assert_null(c);
	assert_int_equal(capture_close(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_capture_veth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_drains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

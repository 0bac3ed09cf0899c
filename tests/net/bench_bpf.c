// SPDX-License-Identifier: GPL-2.0
/*
 * bench_bpf: ns per packet of the tsclock and gate programs under BPF_PROG_TEST_RUN, for a SYN
 * and for a data segment with timestamps. Median of 5 runs of REPEAT packets each. Root.
 * usage: bench_bpf [REPEAT]       (default 1000000)
 */
/* MODULES: gate tsclock tc nl */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/recycle.h"
#include "tsclock.skel.h"
#include "recycle.skel.h"

#define CLIENT 0x64400002u
#define SERVER 0xc6336401u
#define RUNS 5
/* The gate reports every SYN: drain its ring buffer between chunks so that the bench measures
 * reserve + submit, not the "ring full" path. */
#define CHUNK 2000

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += p[i] << 8 | p[i + 1];
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* A Linux-like segment: SYN with MSS, SACK-permitted, TS, NOP, WS; or ACK + 1000 bytes with
 * NOP NOP TS. */
static size_t build(uint8_t *f, bool syn, uint32_t src, uint32_t dst, uint16_t sport,
		    uint16_t dport)
{
	static const uint8_t synopt[] = "\x02\x04\x05\xb4\x04\x02\x08\x0a\0\x10\0\0\0\0\0\0"
					"\x01\x03\x03\x07";
	static const uint8_t ackopt[] = "\x01\x01\x08\x0a\0\x10\0\x01\0\x20\0\x02";
	size_t hlen = syn ? 40 : 32, payload = syn ? 0 : 1000, iplen = 20 + hlen + payload;
	uint8_t *ip = f + 14, *th = ip + 20;
	uint16_t c;

	memset(f, 0, 14 + iplen);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = iplen >> 8;
	ip[3] = iplen & 0xff;
	ip[8] = 64;
	ip[9] = 6;
	*(uint32_t *)(ip + 12) = htonl(src);
	*(uint32_t *)(ip + 16) = htonl(dst);
	c = ~fold(sum16(ip, 20, 0));
	ip[10] = c >> 8;
	ip[11] = c;
	*(uint16_t *)th = htons(sport);
	*(uint16_t *)(th + 2) = htons(dport);
	*(uint32_t *)(th + 4) = htonl(syn ? 1000 : 1001);
	*(uint32_t *)(th + 8) = htonl(syn ? 0 : 5001);
	th[12] = hlen / 4 << 4;
	th[13] = syn ? 0x02 : 0x10;
	th[14] = 0xff;
	memcpy(th + 20, syn ? synopt : ackopt, hlen - 20);
	return 14 + iplen;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int drain(void *ctx, void *data, size_t len)
{
	return 0;
}

/* ns per packet, median of RUNS; rb (may be NULL) drained every CHUNK packets */
static double bench(int prog_fd, const uint8_t *pkt, size_t len, unsigned int repeat,
		    struct ring_buffer *rb)
{
	static uint8_t out[2048];
	double r[RUNS];

	for (int i = 0; i < RUNS; i++) {
		unsigned int done = 0;
		double total = 0;

		while (done < repeat) {
			unsigned int n = rb ? (repeat - done < CHUNK ? repeat - done : CHUNK) :
					      repeat - done;
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
				    .data_out = out, .data_size_out = sizeof(out), .repeat = n);

			if (bpf_prog_test_run_opts(prog_fd, &o)) {
				perror("BPF_PROG_TEST_RUN");
				exit(1);
			}
			total += (double)o.duration * n;
			done += n;
			if (rb)
				ring_buffer__consume(rb);
		}
		r[i] = total / repeat;
	}
	qsort(r, RUNS, sizeof(r[0]), cmp);
	return r[RUNS / 2];
}

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	return lvl == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

static void run_gate(struct recycle_bpf *g, bool syn, uint16_t sport)
{
	uint8_t f[2048], out[2048];
	size_t len = build(f, syn, CLIENT, SERVER, sport, 8080);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	bpf_prog_test_run_opts(bpf_program__fd(g->progs.recycle_ingress), &o);
}

int main(int argc, char **argv)
{
	unsigned int repeat = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	uint8_t syn_out[2048], syn_in[2048], data_out[2048], data_in[2048], synack[2048];
	size_t l_syn_out, l_syn_in, l_data_out, l_data_in, l_synack;
	struct tsclock_bpf *t;
	struct recycle_bpf *g;
	struct ring_buffer *rb;
	uint32_t key = htonl(CLIENT), off = 123456789;

	libbpf_set_print(libbpf_print);
	t = tsclock_bpf__open_and_load();
	g = recycle_bpf__open_and_load();
	if (!t || !g) {
		fprintf(stderr, "bench_bpf: cannot load the programs (root?)\n");
		return 3;
	}
	rb = ring_buffer__new(bpf_map__fd(g->maps.events), drain, NULL, NULL);
	bpf_map__update_elem(t->maps.tsc_offsets, &key, sizeof(key), &off, sizeof(off), 0);

	l_syn_out = build(syn_out, true, CLIENT, SERVER, 40000, 8080);
	l_data_out = build(data_out, false, CLIENT, SERVER, 40000, 8080);
	l_data_in = build(data_in, false, SERVER, CLIENT, 8080, 40000);
	l_syn_in = l_syn_out;
	memcpy(syn_in, syn_out, l_syn_out);
	/* the gate's data segment belongs to a tracked connection: SYN in, SYN-ACK out */
	run_gate(g, true, 40000);
	l_synack = build(synack, true, SERVER, CLIENT, 8080, 40000);
	synack[14 + 20 + 13] = 0x12;
	*(uint32_t *)(synack + 14 + 20 + 8) = htonl(1001);
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = synack, .data_size_in = l_synack,
			    .repeat = 1);

		bpf_prog_test_run_opts(bpf_program__fd(g->progs.recycle_egress), &o);
	}

	printf("BPF_PROG_TEST_RUN, %u packets x %d runs, median ns/packet\n", repeat, RUNS);
	printf("%-26s %-28s %8s\n", "program", "packet", "ns/pkt");
	{
		/* the floor: a program that only returns TC_ACT_OK */
		struct bpf_insn ok[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "noop", "GPL", ok, 2, NULL);

		if (fd >= 0)
			printf("%-26s %-28s %8.1f\n", "baseline (return OK)", "ACK+1000B",
			       bench(fd, data_out, l_data_out, repeat, NULL));
	}
	printf("%-26s %-28s %8.1f\n", "tsclock_egress", "SYN (MSS,SACKOK,TS,WS)",
	       bench(bpf_program__fd(t->progs.tsclock_egress), syn_out, l_syn_out, repeat, NULL));
	printf("%-26s %-28s %8.1f\n", "tsclock_egress", "ACK+1000B (NOP,NOP,TS)",
	       bench(bpf_program__fd(t->progs.tsclock_egress), data_out, l_data_out, repeat, NULL));
	printf("%-26s %-28s %8.1f\n", "tsclock_ingress", "ACK+1000B (NOP,NOP,TS)",
	       bench(bpf_program__fd(t->progs.tsclock_ingress), data_in, l_data_in, repeat, NULL));
	printf("%-26s %-28s %8.1f\n", "recycle_ingress (gate)", "SYN, no record",
	       bench(bpf_program__fd(g->progs.recycle_ingress), syn_in, l_syn_in, repeat, rb));
	printf("%-26s %-28s %8.1f\n", "recycle_ingress (gate)", "ACK+1000B, tracked conn",
	       bench(bpf_program__fd(g->progs.recycle_ingress), data_out, l_data_out, repeat, rb));
	printf("%-26s %-28s %8.1f\n", "recycle_egress (gate)", "ACK+1000B, tracked conn",
	       bench(bpf_program__fd(g->progs.recycle_egress), data_in, l_data_in, repeat, rb));
	{
		/* a record far ahead of the SYN: every SYN is dropped */
		struct recycle_key rk = { htonl(SERVER), htonl(CLIENT) };
		struct recycle_record rec = { .ts = 0x7fffffff };
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		rec.stamp_ns = now.tv_sec * 1000000000ULL + now.tv_nsec;
		bpf_map__update_elem(g->maps.records, &rk, sizeof(rk), &rec, sizeof(rec), 0);
		printf("%-26s %-28s %8.1f\n", "recycle_ingress (gate)", "SYN, dropped (DROP_PAWS)",
		       bench(bpf_program__fd(g->progs.recycle_ingress), syn_in, l_syn_in, repeat,
			     rb));
	}
	ring_buffer__free(rb);
	recycle_bpf__destroy(g);
	tsclock_bpf__destroy(t);
	return 0;
}

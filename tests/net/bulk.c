// SPDX-License-Identifier: GPL-2.0
/*
 * bulk: a bulk TCP transfer with a verifiable content, for the checksum test in recycle.sh.
 * Plain sockets; run inside a lab with `twlab exec`.
 *
 *   bulk serve PORT BYTES       accept one connection, send BYTES bytes, close
 *   bulk sink PORT BYTES        accept one connection, receive until EOF, verify
 *   bulk get ADDR PORT BYTES    connect, receive until EOF, verify
 *   bulk put ADDR PORT BYTES    connect, send BYTES bytes, close
 *
 * The content is a fixed pseudo-random stream (xorshift32 from a fixed seed), so the receiver
 * recomputes what it must have received. A receiver prints "BYTES FNV1A64" and exits 0 only
 * when the byte count and the FNV-1a hash of what arrived match the stream's; 1 otherwise,
 * 2 on bad usage or a socket error.
 */
/* MODULES: agent */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define CHUNK 65536

struct stream {
	uint32_t x;
};

static void stream_fill(struct stream *s, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s->x ^= s->x << 13;
		s->x ^= s->x >> 17;
		s->x ^= s->x << 5;
		buf[i] = (uint8_t)s->x;
	}
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ull
#define SEED 0x2545f491u

static int fail(const char *what)
{
	fprintf(stderr, "bulk: %s: %s\n", what, strerror(errno));
	return 2;
}

static int send_all(int fd, uint64_t bytes)
{
	static uint8_t buf[CHUNK];
	struct stream s = { SEED };

	while (bytes) {
		size_t n = bytes < CHUNK ? (size_t)bytes : CHUNK, off = 0;

		stream_fill(&s, buf, n);
		while (off < n) {
			ssize_t w = write(fd, buf + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return fail("write");
			off += (size_t)w;
		}
		bytes -= n;
	}
	if (shutdown(fd, SHUT_WR))
		return fail("shutdown");
	/* wait for the peer's close so that every byte is acknowledged before we exit */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return 0;
}

static int recv_verify(int fd, uint64_t want)
{
	static uint8_t buf[CHUNK];
	uint64_t got = 0, h = FNV_INIT, hw = FNV_INIT, left = want;
	struct stream s = { SEED };

	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail("read");
		if (r == 0)
			break;
		h = fnv1a(h, buf, (size_t)r);
		got += (uint64_t)r;
	}
	while (left) {	/* the hash of what should have arrived */
		size_t n = left < CHUNK ? (size_t)left : CHUNK;

		stream_fill(&s, buf, n);
		hw = fnv1a(hw, buf, n);
		left -= n;
	}
	printf("%" PRIu64 " %016" PRIx64 "\n", got, h);
	if (got != want || h != hw) {
		fprintf(stderr, "bulk: received %" PRIu64 " bytes hash %016" PRIx64
			", expected %" PRIu64 " bytes hash %016" PRIx64 "\n", got, h, want, hw);
		return 1;
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || !*s || *end ? -1 : 0;
}

static int serve(const char *port_s, uint64_t bytes, int sending)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	uint64_t port;
	int one = 1, l, c, rc;

	if (parse_u64(port_s, &port) || !port || port > 65535)
		return fprintf(stderr, "bulk: bad port '%s'\n", port_s), 2;
	a.sin_port = htons((uint16_t)port);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return fail("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1))
		return fail("bind/listen");
	c = accept(l, NULL, NULL);
	if (c < 0)
		return fail("accept");
	close(l);
	rc = sending ? send_all(c, bytes) : recv_verify(c, bytes);
	close(c);
	return rc;
}

static int connect_to(const char *addr, const char *port_s, uint64_t bytes, int sending)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	uint64_t port;
	int fd, rc;

	if (parse_u64(port_s, &port) || !port || port > 65535 || inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		return fprintf(stderr, "bulk: bad address '%s' port '%s'\n", addr, port_s), 2;
	a.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return fail("connect");
	rc = sending ? send_all(fd, bytes) : recv_verify(fd, bytes);
	close(fd);
	return rc;
}

static int usage(void)
{
	fputs("usage: bulk serve PORT BYTES | bulk sink PORT BYTES |\n"
	      "       bulk get ADDR PORT BYTES | bulk put ADDR PORT BYTES\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t bytes;

	if (argc == 4 && (!strcmp(argv[1], "serve") || !strcmp(argv[1], "sink"))) {
		if (parse_u64(argv[3], &bytes))
			return usage();
		return serve(argv[2], bytes, !strcmp(argv[1], "serve"));
	}
	if (argc == 5 && (!strcmp(argv[1], "get") || !strcmp(argv[1], "put"))) {
		if (parse_u64(argv[4], &bytes))
			return usage();
		return connect_to(argv[2], argv[3], bytes, !strcmp(argv[1], "put"));
	}
	return usage();
}

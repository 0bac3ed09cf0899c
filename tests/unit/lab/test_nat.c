// SPDX-License-Identifier: GPL-2.0
/* The router's nftables script for each nat/ports/port_mode combination (pure). */
/* MODULES: nat */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "lab/nat.h"

static struct lab_router router(enum nat_mode nat, uint16_t lo, uint16_t hi, enum port_mode pm)
{
	struct lab_router r = { .present = true, .nat = nat, .port_lo = lo, .port_hi = hi,
				.port_mode = pm, .out_addr = { 0xC6336401, 24 } };
	return r;
}

static void test_masquerade_all_ports(void **s)
{
	struct lab_router r = router(NAT_MASQUERADE, 0, 0, PORT_KEEP);
	char buf[512];

	assert_int_equal(nat_script(&r, "out0", buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "type nat hook postrouting priority srcnat;"));
	/* before 4.18 replies are de-translated only with a nat chain at prerouting */
	assert_non_null(strstr(buf, "type nat hook prerouting priority dstnat;"));
	assert_non_null(strstr(buf, "oifname \"out0\" masquerade\n"));
	assert_null(strstr(buf, "l4proto"));
}

static void test_port_range_needs_l4_match_and_keeps_icmp(void **s)
{
	struct lab_router r = router(NAT_MASQUERADE, 40000, 40010, PORT_FULLY_RANDOM);
	char buf[512];

	assert_int_equal(nat_script(&r, "out0", buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "meta l4proto tcp masquerade to :40000-40010 fully-random\n"));
	assert_non_null(strstr(buf, "meta l4proto udp masquerade to :40000-40010 fully-random\n"));
	assert_null(strstr(buf, "{ tcp"));	/* no anonymous set: lab kernels lack set backends */
	assert_non_null(strstr(buf, "oifname \"out0\" masquerade\n"));
}

static void test_snat_single_port_random(void **s)
{
	struct lab_router r = router(NAT_SNAT, 40000, 40000, PORT_RANDOM);
	char buf[512];

	assert_int_equal(nat_script(&r, "out0", buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "snat to 198.51.100.1:40000 random\n"));
	assert_non_null(strstr(buf, "oifname \"out0\" snat to 198.51.100.1\n"));
	assert_non_null(strstr(buf, "type nat hook prerouting priority dstnat;"));
}

static void test_none_and_small_buffer(void **s)
{
	struct lab_router r = router(NAT_NONE, 0, 0, PORT_KEEP);
	char buf[512] = "x", tiny[16];

	assert_int_equal(nat_script(&r, "out0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	r = router(NAT_MASQUERADE, 0, 0, PORT_KEEP);
	assert_int_equal(nat_script(&r, "out0", tiny, sizeof(tiny)), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masquerade_all_ports),
		cmocka_unit_test(test_port_range_needs_l4_match_and_keeps_icmp),
		cmocka_unit_test(test_snat_single_port_random),
		cmocka_unit_test(test_none_and_small_buffer),
	};

	return cmocka_run_group_tests_name("nat", tests, NULL, NULL);
}

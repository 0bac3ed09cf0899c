// SPDX-License-Identifier: GPL-2.0
/* kver: a kernel release as a number, and whether an [expect kernel OP X.Y] line applies to one
 * (pure, no parser state). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include "topo/topo.h"

int topo_kernel_version(const char *s, uint32_t *ret)
{
	unsigned long v[3] = { 0, 0, 0 };
	char *end;
	int i;

	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			break;
		v[i] = strtoul(s, &end, 10);
		if (v[i] > 255)
			v[i] = 255;	/* 5.4.302: a stable patch level past 255 still sorts last */
		s = end;
		if (*s != '.')
			break;
		s++;
	}
	if (!v[0])
		return -EINVAL;
	*ret = (uint32_t)(v[0] << 16 | v[1] << 8 | v[2]);
	return 0;
}

bool topo_op_holds(enum expect_op op, int c)
{
	switch (op) {
	case OP_EQ:
		return c == 0;
	case OP_NE:
		return c != 0;
	case OP_LT:
		return c < 0;
	case OP_LE:
		return c <= 0;
	case OP_GT:
		return c > 0;
	case OP_GE:
		return c >= 0;
	}
	return false;
}

bool topo_expect_applies(const struct lab_expect *e, const char *release)
{
	uint32_t v;

	if (!e->has_kernel)
		return true;
	if (!release || topo_kernel_version(release, &v) < 0)
		return true;	/* unknown kernel: check it, a failure shows */
	return topo_op_holds(e->kernel_op, v < e->kernel_ver ? -1 : v > e->kernel_ver);
}

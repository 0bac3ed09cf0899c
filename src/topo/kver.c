// SPDX-License-Identifier: GPL-2.0
/* kver: a kernel release as a number, for [expect kernel OP X.Y] (pure, no parser state). */
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

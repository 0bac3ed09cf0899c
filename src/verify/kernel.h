/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel: what `--kernel SPEC` names, turned into a vmlinuz and its modules folder.
 *
 * SPEC is a path to a kernel image, or a Debian package:
 *   debian:linux-image-6.1.0-47-amd64   the package itself
 *   debian:6.1.0-47                     linux-image-6.1.0-47-amd64 (6.1's ABI names)
 *   debian:6.12.117                     linux-image-6.12.117+deb12-amd64 (Debian 12's 6.12)
 * A package is unpacked by scripts/fetch-kernel.sh into CACHE/<package>/ (never /boot) and
 * reused from there. A list (bisect --kernels) is comma-separated, and an item may be a range
 * of the last number: debian:6.1.0-47..57, debian:6.12.100..117 (only builds that exist).
 */
#ifndef TWLAB_VERIFY_KERNEL_H
#define TWLAB_VERIFY_KERNEL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define KERNEL_CACHE "/var/cache/twlab/vm"

struct kernel_spec {
	bool debian;
	char pkg[128];          /* linux-image-... (debian) */
	char path[PATH_MAX];    /* the image (a path spec) */
};

/* Pure. 0, or -EINVAL when SPEC is empty or not one of the forms above. */
int kernel_spec_parse(const char *spec, struct kernel_spec *ret);
/* Pure: a comma-separated list with ranges, expanded to one spec string per kernel, in order
 * (every number of a range, whether or not that build exists). The strings and the array are
 * malloc'd (kernel_list_free). 0, -EINVAL (why says what), -ENOMEM. */
int kernel_list_parse(const char *list, char ***ret, size_t *ret_n, char *why, size_t len);
void kernel_list_free(char **v, size_t n);
/* Drop the debian: items whose package neither is in CACHE nor in apt's package lists
 * (a range's gaps). Paths are kept. */
void kernel_list_existing(char **v, size_t *n, const char *cache);

/* The image and modules folder of k: a path spec as given (modules "" = next to it);
 * a package from CACHE, fetched first with fetch_script when it is not there yet.
 * 0, -ENOENT (no such image), -ENOPKG (apt's lists have no such package), -EIO (the fetch
 * failed). */
int kernel_resolve(const struct kernel_spec *k, const char *cache, const char *fetch_script,
		   char *ret_vmlinuz, size_t vlen, char *ret_modules, size_t mlen);

#endif

// SPDX-License-Identifier: GPL-2.0
/* kernel: --kernel SPEC to a vmlinuz and modules folder (kernel.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "verify/kernel.h"

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "6.1.0-47": three dot-separated numbers, '-', a number. */
static bool abi_form(const char *s)
{
	const char *dash = strchr(s, '-');
	int dots = 0;

	if (!dash || !all_digits(dash + 1, strlen(dash + 1)))
		return false;
	for (const char *p = s, *q; p < dash; p = q + 1) {
		q = memchr(p, '.', dash - p);
		if (!q)
			q = dash;
		if (!all_digits(p, q - p))
			return false;
		dots += q < dash;
	}
	return dots == 2;
}

/* "6.12.117": three dot-separated numbers. */
static bool version_form(const char *s)
{
	int dots = 0;

	for (const char *p = s, *q;; p = q + 1) {
		q = strchr(p, '.');
		if (!all_digits(p, q ? (size_t)(q - p) : strlen(p)))
			return false;
		if (!q)
			break;
		dots++;
	}
	return dots == 2;
}

static bool pkg_name_ok(const char *s)
{
	if (strncmp(s, "linux-image-", 12) || !s[12])
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".+~-", *s))
			return false;
	return true;
}

int kernel_spec_parse(const char *spec, struct kernel_spec *ret)
{
	struct kernel_spec k = { 0 };
	const char *r;
	int n;

	if (!spec || !*spec)
		return -EINVAL;
	if (strncmp(spec, "debian:", 7)) {
		if (strlen(spec) >= sizeof(k.path))
			return -EINVAL;
		snprintf(k.path, sizeof(k.path), "%s", spec);
		*ret = k;
		return 0;
	}
	r = spec + 7;
	k.debian = true;
	if (strlen(r) > 100)
		return -EINVAL;
	if (pkg_name_ok(r))
		n = snprintf(k.pkg, sizeof(k.pkg), "%s", r);
	else if (abi_form(r))
		n = snprintf(k.pkg, sizeof(k.pkg), "linux-image-%s-amd64", r);
	else if (version_form(r))
		n = snprintf(k.pkg, sizeof(k.pkg), "linux-image-%s+deb12-amd64", r);
	else
		return -EINVAL;
	if (n < 0 || (size_t)n >= sizeof(k.pkg))
		return -EINVAL;
	*ret = k;
	return 0;
}

void kernel_list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int push(char ***v, size_t *n, size_t *cap, const char *s, size_t len)
{
	char *d;

	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 16;
		char **nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	d = strndup(s, len);
	if (!d)
		return -ENOMEM;
	(*v)[(*n)++] = d;
	return 0;
}

/* "debian:6.1.0-47..57" (or ..6.1.0-57): every build from 47 to 57. */
static int expand_range(const char *item, size_t len, const char *dots, char ***v, size_t *n,
			size_t *cap, char *why, size_t wlen)
{
	char left[128], right[128], buf[160];
	const char *cut, *r;
	struct kernel_spec k;
	long lo, hi;
	size_t plen;
	char *end;

	if ((size_t)(dots - item) >= sizeof(left) || len - (dots - item) - 2 >= sizeof(right))
		goto bad;
	snprintf(left, sizeof(left), "%.*s", (int)(dots - item), item);
	snprintf(right, sizeof(right), "%.*s", (int)(len - (dots - item) - 2), dots + 2);
	if (strncmp(left, "debian:", 7) || (!abi_form(left + 7) && !version_form(left + 7)))
		goto bad;
	cut = strrchr(left, abi_form(left + 7) ? '-' : '.') + 1;
	plen = cut - left;
	lo = strtol(cut, NULL, 10);
	/* the right end: the last number alone, or the left's form with another number */
	r = right;
	if (!strncmp(r, "debian:", 7))
		r += 7;
	if (!all_digits(r, strlen(r)) && !strncmp(r, left + 7, plen - 7))
		r += plen - 7;
	if (!all_digits(r, strlen(r)))
		goto bad;
	hi = strtol(r, &end, 10);
	if (hi < lo || hi - lo > 999) {
		snprintf(why, wlen, "range %.*s: the end is before the start or too far", (int)len,
			 item);
		return -EINVAL;
	}
	for (long i = lo; i <= hi; i++) {
		int err;

		snprintf(buf, sizeof(buf), "%.*s%ld", (int)plen, left, i);
		if (kernel_spec_parse(buf, &k))
			goto bad;
		err = push(v, n, cap, buf, strlen(buf));
		if (err)
			return err;
	}
	return 0;
bad:
	snprintf(why, wlen, "range %.*s: not debian:X.Y.Z-N..M or debian:X.Y.Z..M", (int)len, item);
	return -EINVAL;
}

int kernel_list_parse(const char *list, char ***ret, size_t *ret_n, char *why, size_t len)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	const char *p = list;
	int err = 0;

	while (!err) {
		const char *e = strchr(p, ','), *dots;
		size_t l;
		char item[PATH_MAX];
		struct kernel_spec k;

		while (*p == ' ')
			p++;
		l = e ? (size_t)(e - p) : strlen(p);
		while (l && p[l - 1] == ' ')
			l--;
		dots = l ? memmem(p, l, "..", 2) : NULL;
		if (!l || l >= sizeof(item)) {
			snprintf(why, len, "an empty or overlong item in the kernel list");
			err = -EINVAL;
		} else if (dots && !strncmp(p, "debian:", 7)) {
			err = expand_range(p, l, dots, &v, &n, &cap, why, len);
		} else {
			snprintf(item, sizeof(item), "%.*s", (int)l, p);
			err = kernel_spec_parse(item, &k);
			if (err)
				snprintf(why, len, "%s: not a kernel (a path, debian:PACKAGE, debian:X.Y.Z-N or debian:X.Y.Z)",
					 item);
			else
				err = push(&v, &n, &cap, p, l);
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (err) {
		if (err == -ENOMEM)
			snprintf(why, len, "out of memory");
		kernel_list_free(v, n);
		return err;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static bool cached(const char *cache, const char *pkg)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s/.done", cache, pkg);
	return !access(p, F_OK);
}

/* apt's kernel package names, "\nNAME\n..." (NULL when apt gave none) */
static char *apt_kernel_names(void)
{
	char *names = NULL, line[256];
	size_t nlen = 0;
	FILE *mem = open_memstream(&names, &nlen);
	FILE *f = popen("apt-cache pkgnames linux-image- 2>/dev/null", "r");

	if (mem) {
		fputc('\n', mem);
		while (f && fgets(line, sizeof(line), f))
			fputs(line, mem);
		fclose(mem);
	}
	if (f)
		pclose(f);
	return names;
}

void kernel_list_existing(char **v, size_t *n, const char *cache)
{
	char *names = NULL;
	bool asked = false;
	size_t j = 0;

	for (size_t i = 0; i < *n; i++) {
		struct kernel_spec k;
		char key[160];
		bool keep = true;

		/* apt is asked only about a package not cached (it takes a second or two) */
		if (!kernel_spec_parse(v[i], &k) && k.debian && !cached(cache, k.pkg)) {
			if (!asked) {
				names = apt_kernel_names();
				asked = true;
			}
			snprintf(key, sizeof(key), "\n%s\n", k.pkg);
			keep = names && strstr(names, key);
		}
		if (keep)
			v[j++] = v[i];
		else
			free(v[i]);
	}
	*n = j;
	free(names);
}

static int run_fetch(const char *script, const char *cache, const char *pkg)
{
	char *argv[] = { (char *)script, (char *)pkg, NULL };
	char env_cache[PATH_MAX + 16];
	posix_spawn_file_actions_t fa;
	extern char **environ;
	char **envp;
	size_t ne = 0;
	int status, err;
	pid_t pid;

	for (; environ[ne]; ne++)
		;
	envp = calloc(ne + 3, sizeof(*envp));
	if (!envp)
		return -ENOMEM;
	memcpy(envp, environ, ne * sizeof(*envp));
	snprintf(env_cache, sizeof(env_cache), "TWLAB_VM_CACHE=%s", cache);
	envp[ne] = env_cache;
	envp[ne + 1] = "TWLAB_FETCH_QUIET=1";	/* a missing package: the caller says so */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	err = posix_spawn(&pid, script, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	if (err)
		return -err;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		return -ENOPKG;   /* apt's lists have no such package */
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

int kernel_resolve(const struct kernel_spec *k, const char *cache, const char *fetch_script,
		   char *ret_vmlinuz, size_t vlen, char *ret_modules, size_t mlen)
{
	char dir[PATH_MAX], p[PATH_MAX + 300], ver[256] = "";
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err;

	if (!k->debian) {
		if (access(k->path, R_OK))
			return -errno;
		snprintf(ret_vmlinuz, vlen, "%s", k->path);
		if (mlen)
			ret_modules[0] = 0;
		return 0;
	}
	if (!cached(cache, k->pkg)) {
		err = run_fetch(fetch_script, cache, k->pkg);
		if (err)
			return err;
		if (!cached(cache, k->pkg))
			return -EIO;
	}
	snprintf(dir, sizeof(dir), "%s/%s", cache, k->pkg);
	snprintf(p, sizeof(p), "%s/boot", dir);
	d = opendir(p);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "vmlinuz-", 8) && strlen(de->d_name + 8) < sizeof(ver))
			snprintf(ver, sizeof(ver), "%s", de->d_name + 8);
	closedir(d);
	if (!ver[0])
		return -ENOENT;
	snprintf(ret_vmlinuz, vlen, "%s/boot/vmlinuz-%s", dir, ver);
	/* Debian 12 ships modules in /lib/modules; merged-/usr packages in /usr/lib/modules */
	snprintf(p, sizeof(p), "%s/lib/modules/%s", dir, ver);
	if (stat(p, &st))
		snprintf(p, sizeof(p), "%s/usr/lib/modules/%s", dir, ver);
	if (stat(p, &st))
		return -ENOENT;
	snprintf(ret_modules, mlen, "%s", p);
	return 0;
}

/*
 * numa-touch NODE [PAGES [TAG]]
 *
 * A jvfio guest helper (static; busybox has no numactl). Maps PAGES anonymous pages (default 16),
 * binds them to NUMA node NODE with mbind(MPOL_BIND), writes into each page a line
 *     "jvfio numa-touch TAG page I node NODE\n"
 * padded with the page index byte, then checks with get_mempolicy(MPOL_F_NODE|MPOL_F_ADDR) that
 * each page really is on NODE and looks up its physical address in /proc/self/pagemap (root only).
 * Prints one line per page and a summary:
 *     PAGE <i> node=<n> phys=0x<addr> text=<the line written, without its newline>
 *     numa-touch: node <NODE> pages <PAGES> on-node <count> tag <TAG>
 * then stays in memory only if NUMA_TOUCH_HOLD is set (seconds), so the caller can look at the
 * node's meminfo while the pages are used. Exit 0 when every page landed on NODE, 1 otherwise,
 * 2 on usage or system-call errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_BIND 2
#define MPOL_MF_STRICT (1 << 0)
#define MPOL_MF_MOVE (1 << 1)
#define MPOL_F_NODE (1 << 0)
#define MPOL_F_ADDR (1 << 1)
#define MAX_NODE 1024

static long mbind_(void *addr, unsigned long len, int mode, const unsigned long *mask, unsigned long maxnode,
		   unsigned flags)
{
	return syscall(SYS_mbind, addr, len, mode, mask, maxnode, flags);
}

static long node_of(void *addr)
{
	int node = -1;

	if (syscall(SYS_get_mempolicy, &node, NULL, 0, addr, MPOL_F_NODE | MPOL_F_ADDR) != 0)
		return -1;
	return node;
}

int main(int argc, char **argv)
{
	unsigned long mask[MAX_NODE / (8 * sizeof(unsigned long))] = { 0 };
	long psz = sysconf(_SC_PAGESIZE), pages = 16, i, on = 0;
	const char *tag = argc > 3 ? argv[3] : "x";
	const char *hold = getenv("NUMA_TOUCH_HOLD");
	int node, fd;
	char *mem;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: numa-touch NODE [PAGES [TAG]]\n");
		return 2;
	}
	node = atoi(argv[1]);
	if (argc > 2)
		pages = atol(argv[2]);
	if (node < 0 || node >= MAX_NODE || pages < 1 || pages > 1 << 20) {
		fprintf(stderr, "numa-touch: bad node or page count\n");
		return 2;
	}
	mem = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("numa-touch: mmap");
		return 2;
	}
	mask[node / (8 * sizeof(unsigned long))] |= 1UL << (node % (8 * sizeof(unsigned long)));
	if (mbind_(mem, pages * psz, MPOL_BIND, mask, MAX_NODE + 1, MPOL_MF_STRICT | MPOL_MF_MOVE) != 0) {
		fprintf(stderr, "numa-touch: mbind to node %d: %s\n", node, strerror(errno));
		return 2;
	}
	for (i = 0; i < pages; i++) {
		char *p = mem + i * psz;

		memset(p, (int)(i & 0xff), psz);
		snprintf(p, psz, "jvfio numa-touch %s page %ld node %d\n", tag, i, node);
	}
	fd = open("/proc/self/pagemap", O_RDONLY);
	for (i = 0; i < pages; i++) {
		char *p = mem + i * psz;
		uint64_t ent = 0, phys = 0;
		long n = node_of(p);

		if (fd >= 0 && pread(fd, &ent, 8, (off_t)((uintptr_t)p / psz) * 8) == 8 && (ent >> 63) & 1)
			phys = (ent & ((1ULL << 55) - 1)) * psz;
		if (n == node)
			on++;
		printf("PAGE %ld node=%ld phys=0x%llx text=%.*s\n", i, n, (unsigned long long)phys,
		       (int)(strchr(p, '\n') - p), p);
	}
	if (fd >= 0)
		close(fd);
	printf("numa-touch: node %d pages %ld on-node %ld tag %s\n", node, pages, on, tag);
	fflush(stdout);
	if (hold)
		sleep(atoi(hold));
	return on == pages ? 0 : 1;
}

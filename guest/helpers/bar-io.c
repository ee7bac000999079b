/*
 * bar-io: read and write a PCI BAR from a test guest through its sysfs resource file (mmap).
 *   bar-io FILE fill  OFFSET LENGTH SEED   write a pseudo-random pattern (xorshift64 from SEED)
 *   bar-io FILE check OFFSET LENGTH SEED   verify that pattern; prints the first mismatch
 *   bar-io FILE ones  OFFSET LENGTH        verify all bytes read 0xff
 *   bar-io FILE zero  OFFSET LENGTH        write zeros
 *   bar-io FILE dump  OFFSET LENGTH        raw bytes to stdout
 *   bar-io FILE rd32  OFFSET               print the 32-bit value (hex)
 *   bar-io FILE wr32  OFFSET VALUE         write a 32-bit value
 * Accesses are 8 bytes wide where aligned (4 for rd32/wr32). Exit 0 on success, 1 on a failed
 * check, 2 on bad usage or I/O errors. Numbers are decimal or 0x hex.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t num(const char *s) { return strtoull(s, NULL, 0); }

static uint64_t next(uint64_t *x) {
    *x ^= *x << 13; *x ^= *x >> 7; *x ^= *x << 17; return *x;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: see the comment in bar-io.c\n"); return 2; }
    const char *op = argv[2];
    uint64_t off = num(argv[3]);
    uint64_t len = (!strcmp(op, "rd32") || !strcmp(op, "wr32")) ? 4 : (argc > 4 ? num(argv[4]) : 0);
    int fd = open(argv[1], O_RDWR | O_SYNC);
    if (fd < 0) { perror(argv[1]); return 2; }
    long page = sysconf(_SC_PAGESIZE);
    uint64_t base = off & ~(uint64_t)(page - 1), span = (off - base) + len;
    volatile uint8_t *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
    if (m == MAP_FAILED) { perror("mmap"); return 2; }
    volatile uint8_t *p = m + (off - base);
    if (!strcmp(op, "rd32")) { printf("0x%08x\n", *(volatile uint32_t *)p); return 0; }
    if (!strcmp(op, "wr32")) { *(volatile uint32_t *)p = (uint32_t)num(argv[4]); return 0; }
    uint64_t seed = argc > 5 ? num(argv[5]) : 1, x = seed ? seed : 1;
    if (!strcmp(op, "fill") || !strcmp(op, "check")) {
        int fill = !strcmp(op, "fill");
        for (uint64_t i = 0; i + 8 <= len; i += 8) {
            uint64_t v = next(&x);
            if (fill) *(volatile uint64_t *)(p + i) = v;
            else if (*(volatile uint64_t *)(p + i) != v) {
                printf("mismatch at 0x%llx: 0x%016llx, expected 0x%016llx\n", (unsigned long long)(off + i),
                       (unsigned long long)*(volatile uint64_t *)(p + i), (unsigned long long)v);
                return 1;
            }
        }
        return 0;
    }
    if (!strcmp(op, "ones") || !strcmp(op, "zero")) {
        for (uint64_t i = 0; i + 8 <= len; i += 8) {
            if (op[0] == 'z') { *(volatile uint64_t *)(p + i) = 0; continue; }
            uint64_t v = *(volatile uint64_t *)(p + i);
            if (v != ~0ULL) { printf("not all ones at 0x%llx: 0x%016llx\n", (unsigned long long)(off + i), (unsigned long long)v); return 1; }
        }
        return 0;
    }
    if (!strcmp(op, "dump")) {
        uint8_t buf[4096];
        for (uint64_t i = 0; i < len; i += sizeof buf) {
            uint64_t n = len - i < sizeof buf ? len - i : sizeof buf;
            for (uint64_t j = 0; j + 8 <= n; j += 8) *(uint64_t *)(buf + j) = *(volatile uint64_t *)(p + i + j);
            if (fwrite(buf, 1, n, stdout) != n) return 2;
        }
        return 0;
    }
    fprintf(stderr, "unknown op %s\n", op);
    return 2;
}

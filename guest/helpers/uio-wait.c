/*
 * uio-wait: wait for the next interrupt of a UIO device, optionally causing it first.
 *   uio-wait /dev/uioN TIMEOUT_MS [RESOURCE OFFSET VALUE]
 * Opens /dev/uioN (so the count of events seen starts now), then, if given, writes the 32-bit VALUE
 * at OFFSET of the sysfs RESOURCE file (mmap; e.g. a doorbell register), then waits up to TIMEOUT_MS
 * for an interrupt with poll() and a 4-byte read, which returns the device's total event count.
 * Prints that count; exit 0 on an interrupt, 1 on timeout, 2 on bad usage or I/O errors.
 * uio_pci_generic masks INTx in its handler (Command bit 10): the caller re-arms it (E2E-7).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t num(const char *s) { return strtoull(s, NULL, 0); }

int main(int argc, char **argv) {
    if (argc != 3 && argc != 6) { fprintf(stderr, "usage: see the comment in uio-wait.c\n"); return 2; }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror(argv[1]); return 2; }
    if (argc == 6) {
        int r = open(argv[3], O_RDWR | O_SYNC);
        if (r < 0) { perror(argv[3]); return 2; }
        uint64_t off = num(argv[4]);
        long page = sysconf(_SC_PAGESIZE);
        uint64_t base = off & ~(uint64_t)(page - 1);
        volatile uint8_t *m = mmap(NULL, (off - base) + 4, PROT_READ | PROT_WRITE, MAP_SHARED, r, base);
        if (m == MAP_FAILED) { perror("mmap"); return 2; }
        *(volatile uint32_t *)(m + (off - base)) = (uint32_t)num(argv[5]);
    }
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int n = poll(&p, 1, (int)num(argv[2]));
    if (n < 0) { perror("poll"); return 2; }
    if (n == 0) { printf("timeout\n"); return 1; }
    uint32_t count;
    if (read(fd, &count, 4) != 4) { perror("read"); return 2; }
    printf("%u\n", count);
    return 0;
}

/*
 * dma-copy: drives a jvfio copy engine (docs/dma-engine.md) from a test guest. Guest buffers are
 * physical memory reserved with the kernel argument memmap=SIZE$ADDR: not System RAM, so
 * CONFIG_STRICT_DEVMEM lets /dev/mem map it, and without a vIOMMU its bus address is its physical
 * address. The engine's registers are reached through the device's sysfs resource0 (mmap; every
 * access is a trapped REGION_READ/WRITE under QEMU), guest buffers at memory speed.
 *
 *   dma-copy fill  ADDR LEN SEED        write the xorshift64 pattern of bar-io (from SEED) at ADDR
 *   dma-copy check ADDR LEN SEED        verify it; prints the first mismatch, exit 1
 *   dma-copy zero  ADDR LEN             write zeros
 *   dma-copy copy  RES0 ENGINE SRC DST LEN CTRL WAIT
 *        one copy with these registers; prints "status=0x.. done=N errors=N fault=0x.. us=N" and
 *        exits 0 whatever the status (the caller judges it)
 *   dma-copy roundtrip RES0 ENGINE A B LEN DEVOFF SEED WAIT [DEVRES]
 *        fills A with the pattern, zeroes B, copies A -> device memory at DEVOFF -> B, checks B
 *        (and, with DEVRES, the device memory through that mmap-able resource file at DEVOFF);
 *        prints one line per copy and "ok" or the first mismatch; exit 0 only if all of it held
 * ENGINE is the engine block's offset in BAR0 (GPU 0x100000, sample 0x2100). WAIT:
 *   poll                    read STATUS until it is not 1 (busy)
 *   count,FILE,IDX[,VEC]    completion interrupt on vector VEC (default IDX): wait until field IDX
 *                           of FILE (irqtest_counts) grows, then read STATUS; CTRL gets 0x100|VEC<<16
 *   uio,DEV,CONFIG          INTx through uio_pci_generic (E2E-7): block in a read of DEV, write
 *                           STATUS (which deasserts INTx), then clear Command.INTx-disable in CONFIG.
 *                           DEV stays open until the helper exits: uio_pci_generic's release()
 *                           clears Bus Master, so the caller sets it again after each run
 * (commas, not colons: sysfs paths hold colons)
 * After every copy STATUS is written 0 (back to idle). Numbers are decimal or 0x hex.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum { SRC_LO = 0x00, SRC_HI = 0x04, DST_LO = 0x08, DST_HI = 0x0C, LEN = 0x10, CTRL = 0x14,
       DOORBELL = 0x18, STATUS = 0x1C, DONE = 0x20, ERRORS = 0x24, FAULT_LO = 0x28, FAULT_HI = 0x2C };

static uint64_t num(const char *s) { return strtoull(s, NULL, 0); }
static uint64_t next(uint64_t *x) { *x ^= *x << 13; *x ^= *x >> 7; *x ^= *x << 17; return *x; }
static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}
static void die(const char *what) { perror(what); exit(2); }

/* maps LEN bytes of FILE at OFF (any alignment) */
static volatile uint8_t *map(const char *file, uint64_t off, uint64_t len, int sync) {
    int fd = open(file, O_RDWR | (sync ? O_SYNC : 0));
    if (fd < 0) die(file);
    long page = sysconf(_SC_PAGESIZE);
    uint64_t base = off & ~(uint64_t)(page - 1);
    void *m = mmap(NULL, (off - base) + len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
    if (m == MAP_FAILED) die("mmap");
    close(fd);
    return (volatile uint8_t *)m + (off - base);
}
static volatile uint8_t *guest(uint64_t addr, uint64_t len) { return map("/dev/mem", addr, len, 0); }

static void fill(volatile uint8_t *p, uint64_t len, uint64_t seed) {
    uint64_t x = seed ? seed : 1;
    for (uint64_t i = 0; i + 8 <= len; i += 8) *(volatile uint64_t *)(p + i) = next(&x);
}
static int check(const char *what, volatile uint8_t *p, uint64_t base, uint64_t len, uint64_t seed) {
    uint64_t x = seed ? seed : 1;
    for (uint64_t i = 0; i + 8 <= len; i += 8) {
        uint64_t v = next(&x), got = *(volatile uint64_t *)(p + i);
        if (got != v) {
            printf("%s mismatch at 0x%llx: 0x%016llx, expected 0x%016llx\n", what,
                   (unsigned long long)(base + i), (unsigned long long)got, (unsigned long long)v);
            return 1;
        }
    }
    return 0;
}

static volatile uint32_t *regs;
static uint32_t rd(int off) { return regs[off / 4]; }
static void wr(int off, uint32_t v) { regs[off / 4] = v; }

static int field(const char *file, int idx) {
    char buf[512];
    int fd = open(file, O_RDONLY);
    if (fd < 0) die(file);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) die(file);
    buf[n] = 0;
    char *s = buf;
    for (int i = 0; i < idx; i++) { s = strchr(s, ' '); if (!s) return -1; s++; }
    return atoi(s);
}

/* one copy: programs the registers, rings, waits as WAIT says, prints the result line; returns STATUS */
static uint32_t copy(uint64_t src, uint64_t dst, uint32_t len, uint32_t ctrl, const char *wait, const char *tag) {
    char spec[256];
    snprintf(spec, sizeof spec, "%s", wait);
    char *kind = strtok(spec, ","), *a1 = strtok(NULL, ","), *a2 = strtok(NULL, ","), *a3 = strtok(NULL, ",");
    static int uio_fd = -1;
    int uio = -1, idx = 0, before = 0;
    if (!strcmp(kind, "count")) {
        if (!a1 || !a2) { fprintf(stderr, "count,FILE,IDX[,VEC]\n"); exit(2); }
        idx = atoi(a2);
        ctrl |= 0x100 | (uint32_t)(a3 ? atoi(a3) : idx) << 16;
        before = field(a1, idx);
    } else if (!strcmp(kind, "uio")) {
        if (!a1 || !a2) { fprintf(stderr, "uio,DEV,CONFIG\n"); exit(2); }
        if (uio_fd < 0 && (uio_fd = open(a1, O_RDONLY)) < 0) die(a1);
        uio = uio_fd;
        ctrl |= 0x100;
    } else if (strcmp(kind, "poll")) { fprintf(stderr, "WAIT: poll, count,..., uio,...\n"); exit(2); }
    wr(SRC_LO, (uint32_t)src); wr(SRC_HI, src >> 32);
    wr(DST_LO, (uint32_t)dst); wr(DST_HI, dst >> 32);
    wr(LEN, len); wr(CTRL, ctrl);
    double t0 = now_us();
    wr(DOORBELL, 1);
    uint32_t st = 0, polls = 0;
    const char *how = kind;
    if (uio >= 0) {
        struct pollfd p = { .fd = uio, .events = POLLIN };
        uint32_t ev;
        if (poll(&p, 1, 20000) != 1 || read(uio, &ev, 4) != 4) how = "uio-timeout";
    } else if (!strcmp(kind, "count")) {
        while (field(a1, idx) <= before) {
            if (now_us() - t0 > 20e6) { how = "count-timeout"; break; }
            usleep(50);
        }
    } else {
        while ((st = rd(STATUS)) == 1) {
            polls++;
            if (now_us() - t0 > 20e6) { how = "poll-timeout"; break; }
        }
    }
    double t = now_us() - t0;
    if (uio >= 0 || !strcmp(kind, "count")) st = rd(STATUS);
    uint64_t fault = rd(FAULT_LO) | (uint64_t)rd(FAULT_HI) << 32;
    printf("%s: len=%u ctrl=0x%x wait=%s status=0x%x done=%u errors=%u fault=0x%llx us=%.0f",
           tag, len, ctrl, how, st, rd(DONE), rd(ERRORS), (unsigned long long)fault, t);
    if (polls) printf(" polls=%u", polls);
    if (st == 2 && t > 0) printf(" MB/s=%.1f", len / t);
    printf("\n");
    wr(STATUS, 0);
    if (uio >= 0) {
        int cfg = open(a2, O_RDWR);
        uint16_t cmd;
        if (cfg < 0 || pread(cfg, &cmd, 2, 4) != 2) die(a2);
        cmd &= ~0x400;
        if (pwrite(cfg, &cmd, 2, 4) != 2) die(a2);
        close(cfg);
    }
    return st;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: see the comment in dma-copy.c\n"); return 2; }
    const char *op = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(op, "fill") || !strcmp(op, "check") || !strcmp(op, "zero")) {
        if (argc < 4) return 2;
        uint64_t addr = num(argv[2]), len = num(argv[3]);
        volatile uint8_t *p = guest(addr, len);
        if (op[0] == 'f') { fill(p, len, argc > 4 ? num(argv[4]) : 1); return 0; }
        if (op[0] == 'z') { for (uint64_t i = 0; i + 8 <= len; i += 8) *(volatile uint64_t *)(p + i) = 0; return 0; }
        return check("guest", p, addr, len, argc > 4 ? num(argv[4]) : 1);
    }
    if (!strcmp(op, "copy") && argc >= 9) {
        regs = (volatile uint32_t *)map(argv[2], num(argv[3]), 0x40, 1);
        copy(num(argv[4]), num(argv[5]), (uint32_t)num(argv[6]), (uint32_t)num(argv[7]), argv[8], "copy");
        return 0;
    }
    if (!strcmp(op, "roundtrip") && argc >= 10) {
        regs = (volatile uint32_t *)map(argv[2], num(argv[3]), 0x40, 1);
        uint64_t a = num(argv[4]), b = num(argv[5]), len = num(argv[6]), dev = num(argv[7]), seed = num(argv[8]);
        const char *wait = argv[9];
        volatile uint8_t *pa = guest(a, len), *pb = guest(b, len);
        double t0 = now_us();
        fill(pa, len, seed);
        for (uint64_t i = 0; i + 8 <= len; i += 8) *(volatile uint64_t *)(pb + i) = 0;
        double tf = now_us() - t0;
        uint32_t s1 = copy(a, dev, len, 0x2, wait, "to-device");
        uint32_t s2 = copy(dev, b, len, 0x1, wait, "to-guest");
        t0 = now_us();
        int bad = check("guest-B", pb, b, len, seed);
        if (!bad && argc > 10) bad = check("device", map(argv[10], dev, len, 0), dev, len, seed);
        double tc = now_us() - t0;
        printf("fill+zero us=%.0f check us=%.0f\n", tf, tc);
        if (s1 != 2 || s2 != 2) { printf("FAILED: status 0x%x, 0x%x\n", s1, s2); return 1; }
        if (bad) return 1;
        printf("ok\n");
        return 0;
    }
    fprintf(stderr, "usage: see the comment in dma-copy.c\n");
    return 2;
}

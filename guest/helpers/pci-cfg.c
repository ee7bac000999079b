/*
 * pci-cfg: read and write a PCI function's config space through its sysfs config file.
 *   pci-cfg FILE rd8|rd16|rd32 OFFSET        print the value (hex)
 *   pci-cfg FILE wr8|wr16|wr32 OFFSET VALUE  write the value (one access of that width)
 *   pci-cfg FILE set16|clr16 OFFSET BITS     read-modify-write a 16-bit register
 * Exit 0 on success, 2 on bad usage or I/O errors. Numbers are decimal or 0x hex.
 * (busybox has no setpci; the irq check re-arms uio_pci_generic's INTx through Command bit 10, E2E-7.)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t num(const char *s) { return strtoull(s, NULL, 0); }

static int io(int fd, int write, uint32_t *v, int width, off_t off) {
    uint8_t b[4];
    if (write) {
        for (int i = 0; i < width; i++) b[i] = (uint8_t)(*v >> (8 * i)); /* config space is little-endian */
        return pwrite(fd, b, width, off) == width ? 0 : -1;
    }
    if (pread(fd, b, width, off) != width) return -1;
    *v = 0;
    for (int i = 0; i < width; i++) *v |= (uint32_t)b[i] << (8 * i);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: see the comment in pci-cfg.c\n"); return 2; }
    const char *op = argv[2];
    off_t off = (off_t)num(argv[3]);
    int width = op[2] == '8' ? 1 : op[2] == '1' ? 2 : op[2] == '3' ? 4 : 0;
    if (!strncmp(op, "set", 3) || !strncmp(op, "clr", 3)) width = 2;
    if (!width) { fprintf(stderr, "pci-cfg: unknown operation %s\n", op); return 2; }
    int fd = open(argv[1], op[0] == 'r' ? O_RDONLY : O_RDWR);
    if (fd < 0) { perror(argv[1]); return 2; }
    uint32_t v;
    if (op[0] == 'r') {
        if (io(fd, 0, &v, width, off)) { perror("read"); return 2; }
        printf("0x%0*x\n", width * 2, v);
        return 0;
    }
    if (argc < 5) { fprintf(stderr, "pci-cfg: %s needs a value\n", op); return 2; }
    uint32_t arg = (uint32_t)num(argv[4]);
    if (op[0] == 'w') v = arg;
    else {
        if (io(fd, 0, &v, 2, off)) { perror("read"); return 2; }
        v = op[0] == 's' ? (v | arg) : (v & ~arg);
        v &= 0xffff;
    }
    if (io(fd, 1, &v, width, off)) { perror("write"); return 2; }
    return 0;
}

/*
 * srat-gi: prints the Generic Initiator Affinity entries (type 5) of the guest's ACPI SRAT, one a
 * line: "pxm SEGMENT:BUS:DEV.FN flags" for PCI handles (handle type 1), "pxm acpi HID UID flags"
 * for ACPI handles. Layout (ACPI 6.3, 5.2.16.6): type u8 = 5, length u8 = 32, reserved u8, handle
 * type u8, proximity domain u32 at 4, device handle (16 bytes) at 8 (PCI: segment u16, BDF u16),
 * flags u32 at 24 (bit 0 enabled). The PCI handle is a u16 segment, then the bus number in one byte
 * and device/function in the next (device in bits 7:3, function in 2:0), not a little-endian u16.
 * The SRAT's entries start after its 48-byte header.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "/sys/firmware/acpi/tables/SRAT";
    static uint8_t t[65536];
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 2; }
    size_t n = fread(t, 1, sizeof t, f);
    fclose(f);
    if (n < 48 || memcmp(t, "SRAT", 4)) { fprintf(stderr, "%s: not an SRAT\n", path); return 2; }
    for (size_t off = 48; off + 2 <= n && t[off + 1] >= 2; off += t[off + 1]) {
        uint8_t *e = t + off;
        if (e[0] != 5 || e[1] < 32 || off + 32 > n) continue;
        uint32_t pxm, flags;
        memcpy(&pxm, e + 4, 4);
        memcpy(&flags, e + 24, 4);
        if (e[3] == 1) {
            uint16_t seg;
            memcpy(&seg, e + 8, 2);
            uint8_t bus = e[10], devfn = e[11];
            printf("%u %04x:%02x:%02x.%x %u\n", pxm, seg, bus, devfn >> 3, devfn & 7, flags);
        } else {
            printf("%u acpi %.8s %u\n", pxm, (char *)e + 8, flags);
        }
    }
    return 0;
}

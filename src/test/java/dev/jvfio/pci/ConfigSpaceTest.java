package dev.jvfio.pci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class ConfigSpaceTest {

    @Test
    @DisplayName("PCI-1.1 writable bits store, read-only bits stay, W1C bits clear on 1 and stay on 0")
    void pci_1_1_permissions() {
        ConfigSpace cs = ConfigSpace.create(256);
        cs.set16(0x40, 0xA5A5);
        cs.setWritable(0x40, 2, 0x00FF);
        cs.write16(0x40, 0x5A5A);
        assertThat(cs.read16(0x40)).isEqualTo(0xA55A);

        cs.set16(0x06, 0xF810);
        cs.setW1c(0x06, 2, PciHeader.STATUS_W1C);
        cs.write16(0x06, 0x0000);
        assertThat(cs.read16(0x06)).isEqualTo(0xF810);
        cs.write16(0x06, 0x2000 | 0x0010); // clears Received Master Abort only; CapList is RO
        assertThat(cs.read16(0x06)).isEqualTo(0xD810);
    }

    @RepeatedTest(20)
    @DisplayName("PCI-1.2 accesses of any width at any offset equal byte-by-byte accesses")
    void pci_1_2_anyWidthAnyOffset(RepetitionInfo rep) {
        long seed = Seeds.of(0xC0F5L + rep.getCurrentRepetition());
        Random r = new Random(seed);
        ConfigSpace a = randomSpace(r);
        ConfigSpace b = a.copy();
        for (int op = 0; op < 200; op++) {
            int width = new int[] {1, 2, 4, 8, 3, 16}[r.nextInt(6)];
            int off = r.nextInt(a.size() - width + 1);
            byte[] data = new byte[width];
            r.nextBytes(data);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(width);
                seg.copyFrom(MemorySegment.ofArray(data));
                a.write(off, seg); // one multi-register access
            }
            for (int i = 0; i < width; i++) {
                b.write8(off + i, data[i]); // byte by byte
            }
        }
        assertThat(a.bytes()).as("seed %d", seed).isEqualTo(b.bytes());
        int off = r.nextInt(a.size() - 8);
        assertThat(a.read64(off))
                .as("seed %d", seed)
                .isEqualTo((a.read32(off) & 0xFFFF_FFFFL) | (long) a.read32(off + 4) << 32);
        assertThat(a.read16(off)).isEqualTo(a.read8(off) | a.read8(off + 1) << 8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(5);
            a.read(off, seg);
            for (int i = 0; i < 5; i++) {
                assertThat(seg.get(ValueLayout.JAVA_BYTE, i) & 0xFF).isEqualTo(a.read8(off + i));
            }
        }
    }

    private static ConfigSpace randomSpace(Random r) {
        byte[] image = new byte[256];
        byte[] rw = new byte[256];
        byte[] w1c = new byte[256];
        r.nextBytes(image);
        r.nextBytes(rw);
        r.nextBytes(w1c);
        for (int i = 0; i < 256; i++) {
            w1c[i] &= (byte) ~rw[i];
        }
        return ConfigSpace.fromBytes(image, rw, w1c);
    }

    @Test
    @DisplayName("PCI-1.3 unimplemented space reads 0 and ignores writes")
    void pci_1_3_unimplementedReadsZero() {
        ConfigSpace cs = ConfigSpace.create(4096);
        cs.write32(0x800, 0xFFFF_FFFF);
        cs.write32(0xC8, 0x1234_5678);
        assertThat(cs.read32(0x800)).isZero();
        assertThat(cs.read32(0xC8)).isZero();
    }

    @Test
    @DisplayName("PCI-1.5 virtualized bits stay in the shadow, the others reach the physical space")
    void pci_1_5_virtualizedBits() {
        ConfigSpace phys = ConfigSpace.create(256);
        phys.set32(0x40, 0x1111_2222);
        phys.setWritable(0x40, 4, 0xFFFF_FFFFL);
        ConfigSpace shadow = ConfigSpace.create(256);
        shadow.set32(0x40, 0xAAAA_BBBB);
        shadow.setWritable(0x40, 4, 0xFFFF_FFFFL);
        shadow.setPassthrough(0x40, 4, 0x0000_FFFFL); // low half passes through
        shadow.attachPhysical(phys);
        assertThat(shadow.read32(0x40)).isEqualTo(0xAAAA_2222);
        shadow.write32(0x40, 0x3333_4444);
        assertThat(shadow.read32(0x40)).isEqualTo(0x3333_4444);
        assertThat(phys.read32(0x40) & 0xFFFF).isEqualTo(0x4444);
        assertThat(phys.read32(0x40) >>> 16).isEqualTo(0x1111); // virtualized half never reached it
    }

    @Test
    @DisplayName("PCI-5.1 resetToPowerOn restores every non-sticky bit")
    void pci_5_1_resetKeepsSticky() {
        ConfigSpace cs = ConfigSpace.create(256);
        cs.set32(0x50, 0x0000_0000);
        cs.setWritable(0x50, 4, 0xFFFF_FFFFL);
        cs.setSticky(0x50, 4, 0x0000_00FFL);
        cs.capturePowerOn();
        cs.write32(0x50, 0xDEAD_BEEF);
        cs.resetToPowerOn();
        assertThat(cs.read32(0x50)).isEqualTo(0x0000_00EF);
    }
}

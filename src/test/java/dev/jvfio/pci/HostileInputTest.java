package dev.jvfio.pci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.procfs.OpenFiles;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * Random requests as a hostile client would send them: every answer is a value or a VfioException
 * (never another exception), identity registers survive, and no eventfd leaks.
 */
class HostileInputTest {

    private static long pick(Random r, long size) {
        return switch (r.nextInt(6)) {
            case 0 -> -1 - r.nextInt(100);
            case 1 -> size - r.nextInt(8);
            case 2 -> Long.MAX_VALUE - r.nextInt(8);
            case 3 -> size + r.nextInt(100);
            default -> r.nextLong(Math.max(1, size));
        };
    }

    @RepeatedTest(10)
    @DisplayName("PCI-1.4 PCI-2.7 PCI-6.7 hostile region accesses and SET_IRQS get a value or an errno; nothing leaks")
    void pci_1_4_pci_2_7_pci_6_7_hostileRequests(RepetitionInfo rep) throws Exception {
        long seed = Seeds.of(0x4057L + rep.getCurrentRepetition());
        Random r = new Random(seed);
        int fdsBefore = OpenFiles.count();
        try (VfioPciDevice d = TestFunction.build();
                Arena arena = Arena.ofConfined()) {
            for (int op = 0; op < 3000; op++) {
                int region = r.nextInt(12) - 1;
                int len = new int[] {0, 1, 2, 4, 8, 3, 64, 4097}[r.nextInt(8)];
                MemorySegment buf = arena.allocate(Math.max(1, len)).asSlice(0, len);
                long offset = pick(r, region == 7 ? 4096 : 0x10000);
                try {
                    if (r.nextBoolean()) {
                        d.read(region, offset, buf);
                    } else {
                        if (region == 7 && offset >= 0 && offset < 8) {
                            continue; // keep the identity registers to check them below
                        }
                        for (int i = 0; i < len; i++) {
                            buf.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt(256));
                        }
                        d.write(region, offset, buf);
                    }
                } catch (VfioException expected) {
                    assertThat(expected.errno()).isPositive();
                }
                if (op % 50 == 0) {
                    hostileIrqSet(d, r);
                }
                if (op % 97 == 0) {
                    d.raiseInterrupt(r.nextInt(20) - 2);
                }
            }
            assertThat(d.config().read16(0)).as("seed %d", seed).isEqualTo(0x1b36);
            d.detach();
        }
        assertThat(OpenFiles.count()).as("seed %d", seed).isEqualTo(fdsBefore);
    }

    private static void hostileIrqSet(VfioPciDevice d, Random r) throws Exception {
        int index = r.nextInt(7) - 1;
        int type = 1 << r.nextInt(4);
        int action = 8 << r.nextInt(4);
        int start = r.nextInt(12) - 2;
        int count = r.nextInt(12) - 2;
        List<Fd> fds = new ArrayList<>();
        List<EventFd> owners = new ArrayList<>();
        if (type == Vfio.IRQ_SET_DATA_EVENTFD) {
            int n = r.nextInt(10);
            for (int i = 0; i < n; i++) {
                if (r.nextInt(5) == 0) {
                    fds.add(null);
                } else {
                    EventFd e = EventFd.create();
                    owners.add(e);
                    fds.add(e.fd().duplicate());
                }
            }
        }
        byte[] bools = new byte[Math.max(0, r.nextInt(10))];
        r.nextBytes(bools);
        try {
            d.setIrqs(new IrqSet(index, type | action, start, count, bools, fds));
        } catch (VfioException e) {
            fds.forEach(f -> {
                if (f != null) {
                    f.close(); // rejected: the caller still owns them
                }
            });
        }
        owners.forEach(EventFd::close);
    }
}

package dev.jvfio.pci;

import static dev.jvfio.pci.TestFunction.cfg16;
import static dev.jvfio.pci.TestFunction.cfg32;
import static dev.jvfio.pci.TestFunction.cfgWrite;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Vfio;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The PCI core's declarations as a device author writes them: capabilities and BARs by name, BAR
 * backings made for their function, and a function whose lock no device model can hold.
 */
class DeclarationTest {

    @Test
    @DisplayName("PCI-3.3 Msi.vectors(n) is 32-bit without mask bits; address64() and perVectorMasking() add each")
    void pci_3_3_msiByName() {
        assertThat(Capability.Msi.vectors(2).length()).isEqualTo(12);
        assertThat(Capability.Msi.vectors(2).address64().length()).isEqualTo(16);
        assertThat(Capability.Msi.vectors(2).perVectorMasking().length()).isEqualTo(20);
        Capability.Msi both = Capability.Msi.vectors(8).perVectorMasking().address64();
        assertThat(both.length()).isEqualTo(24);
        assertThat(both.vectorCount()).isEqualTo(8);
        assertThat(both.hasAddress64()).isTrue();
        assertThat(both.hasPerVectorMasking()).isTrue();
        assertThatThrownBy(() -> Capability.Msi.vectors(3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName(
            "PCI-3.4 Msix.vectors(n).table(bar, offset) puts the PBA right after the table; pba(bar, offset) moves it")
    void pci_3_4_msixByName() throws Exception {
        Capability.Msix after = Capability.Msix.vectors(4).table(2, 0x100);
        assertThat(after.tableBar()).isEqualTo(2);
        assertThat(after.pbaBar()).isEqualTo(2);
        assertThat(after.pbaOffset()).isEqualTo(0x100 + 4 * 16);
        Capability.Msix moved = after.pba(0, 0x800);
        assertThat(moved.pbaBar()).isZero();
        assertThat(moved.pbaOffset()).isEqualTo(0x800);
        assertThatThrownBy(() -> Capability.Msix.vectors(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Capability.Msix.vectors(4).table(0, 0x104))
                .isInstanceOf(IllegalArgumentException.class);
        try (VfioPciDevice d = VfioPciDevice.builder("msix")
                .ids(1, 2)
                .bar(PciBar.mem32(2, 0x1000, BarBacking.zeros()))
                .capability(after)
                .build()) {
            int x = d.capabilities().find(PciHeader.CAP_ID_MSIX).orElseThrow();
            assertThat(cfg32(d, x + 4)).isEqualTo(0x100 | 2);
            assertThat(cfg32(d, x + 8)).isEqualTo(0x140 | 2);
        }
    }

    @Test
    @DisplayName("PCI-2.2 PciBar.mem64(...).prefetchable() sets type 0x4 plus 0x8; an I/O BAR cannot be prefetchable")
    void pci_2_2_prefetchableByName() {
        assertThat(PciBar.mem64(0, 0x1000, BarBacking.zeros()).flagBits()).isEqualTo(0x4);
        assertThat(PciBar.mem64(0, 0x1000, BarBacking.zeros()).prefetchable().flagBits())
                .isEqualTo(0xC);
        assertThat(PciBar.mem32(0, 0x1000, BarBacking.zeros()).prefetchable().isPrefetchable())
                .isTrue();
        assertThatThrownBy(() -> PciBar.io(0, 32, BarBacking.zeros()).prefetchable())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("PCI-3.8 PowerManagement.noSoftReset() sets PMCSR No_Soft_Reset, softReset() leaves it clear")
    void pci_3_8_powerManagementByName() throws Exception {
        for (boolean keep : new boolean[] {true, false}) {
            Capability pm = keep ? Capability.PowerManagement.noSoftReset() : Capability.PowerManagement.softReset();
            try (VfioPciDevice d =
                    VfioPciDevice.builder("pm").ids(1, 2).capability(pm).build()) {
                int at = d.capabilities().find(PciHeader.CAP_ID_PM).orElseThrow();
                assertThat(cfg16(d, at + 4) & 0x8).isEqualTo(keep ? 0x8 : 0);
            }
        }
    }

    @Test
    @DisplayName("a BAR backing made by a factory is given the function it belongs to, once, and its accesses reach it")
    void factoryGetsItsFunction() throws Exception {
        AtomicReference<VfioPciDevice> given = new AtomicReference<>();
        List<Integer> calls = new ArrayList<>();
        try (VfioPciDevice d = VfioPciDevice.builder("bound")
                .ids(1, 2)
                .intxPin(1)
                .bar(PciBar.mem32(0, 0x1000, function -> {
                    calls.add(0);
                    given.set(function);
                    return new BarBacking() {
                        @Override
                        public int read(long offset, MemorySegment dst) {
                            dst.fill((byte) (function.intxAsserted() ? 1 : 0));
                            return (int) dst.byteSize();
                        }

                        @Override
                        public int write(long offset, MemorySegment src) {
                            function.raiseIntx(); // a register that acts on its own function
                            return (int) src.byteSize();
                        }
                    };
                }))
                .build()) {
            assertThat(given.get()).isSameAs(d);
            assertThat(calls).containsExactly(0);
            cfgWrite(d, PciHeader.COMMAND, 2, PciHeader.COMMAND_MEMORY);
            TestFunction.write(d, 0, 0, 4, 1);
            assertThat(d.intxAsserted()).isTrue();
            assertThat(TestFunction.read(d, 0, 0, 1)).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a factory that fails leaves nothing open: the backings already made are closed")
    void failedFactoryClosesTheOthers() {
        List<String> closed = new ArrayList<>();
        BarBacking first = new BarBacking() {
            @Override
            public int read(long offset, MemorySegment dst) {
                return (int) dst.byteSize();
            }

            @Override
            public int write(long offset, MemorySegment src) {
                return (int) src.byteSize();
            }

            @Override
            public void close() {
                closed.add("bar0");
            }
        };
        PciDeviceBuilder b = VfioPciDevice.builder("fails")
                .ids(1, 2)
                .bar(PciBar.mem32(0, 0x1000, first))
                .bar(PciBar.mem32(1, 0x1000, function -> {
                    throw new IllegalStateException("no memory for BAR1");
                }));
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessage("no memory for BAR1");
        assertThat(closed).containsExactly("bar0");
    }

    @Test
    @DisplayName("a device model holding its function's monitor does not stall the core: config and interrupts go on")
    void modelMonitorIsNotTheCoresLock() throws Exception {
        try (VfioPciDevice d = TestFunction.build()) {
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread holder = Thread.ofPlatform().start(() -> {
                synchronized (d) {
                    held.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            try {
                assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
                cfgWrite(d, PciHeader.COMMAND, 2, PciHeader.COMMAND_MEMORY);
                assertThat(cfg16(d, PciHeader.COMMAND)).isEqualTo(PciHeader.COMMAND_MEMORY);
                d.raiseIntx();
                assertThat(d.intxAsserted()).isTrue();
                d.reset();
                assertThat(d.regionInfo(Vfio.PCI_CONFIG_REGION_INDEX).size()).isEqualTo(4096);
            } finally {
                release.countDown();
                holder.join();
            }
        }
    }
}

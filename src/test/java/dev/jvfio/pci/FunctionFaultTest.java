package dev.jvfio.pci;

import static dev.jvfio.pci.TestFunction.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Errno;
import dev.jvfio.device.Fault;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.EventFd;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The faults a PCI function simulates (PCI-11.x, docs/faults.md). */
class FunctionFaultTest {
    VfioPciDevice d;
    int aer;
    int exp;

    @BeforeEach
    void build() {
        d = TestFunction.builder()
                .extendedCapability(new ExtendedCapability.Aer())
                .build();
        aer = d.capabilities().findExtended(PciHeader.EXT_CAP_ID_ERR).orElseThrow();
        exp = cap(d, PciHeader.CAP_ID_EXP);
    }

    @AfterEach
    void close() {
        d.close();
    }

    @Test
    @DisplayName(
            "PCI-11.1 an error sets AER Uncorrectable Internal Error (sticky, W1C), the first error pointer, DEVSTA Fatal, and signals ERR")
    void pci_11_1_error() throws Exception {
        try (EventFd err = EventFd.create()) {
            d.setIrqs(new IrqSet(
                    Vfio.PCI_ERR_IRQ_INDEX,
                    Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER,
                    0,
                    1,
                    new byte[0],
                    List.of(err.fd().duplicate())));
            assertThat(cfg32(d, aer + ExtendedCapability.Aer.UNCOR_SEVERITY)).isEqualTo(0x004E_F030);
            String said = d.faults().inject(Fault.ERROR, null);
            assertThat(said).contains("ERR interrupt signalled").contains("fatal");
            assertThat(err.await(Duration.ZERO)).isTrue();
            assertThat(cfg32(d, aer + ExtendedCapability.Aer.UNCOR_STATUS)).isEqualTo(1 << 22);
            assertThat(cfg32(d, aer + ExtendedCapability.Aer.CAP_CONTROL) & 0x1F)
                    .isEqualTo(22);
            assertThat(cfg16(d, exp + 0x0A) & 0x4)
                    .as("DEVSTA Fatal Error Detected")
                    .isNotZero();
            d.reset();
            assertThat(cfg32(d, aer + ExtendedCapability.Aer.UNCOR_STATUS))
                    .as("sticky")
                    .isEqualTo(1 << 22);
            cfgWrite(d, aer + ExtendedCapability.Aer.UNCOR_STATUS, 4, 1 << 22);
            assertThat(cfg32(d, aer + ExtendedCapability.Aer.UNCOR_STATUS))
                    .as("write 1 to clear")
                    .isZero();
        }
        d.detach();
        assertThat(d.faults().inject(Fault.ERROR, null)).as("after detach").contains("no ERR eventfd");
    }

    @Test
    @DisplayName("PCI-11.2 off the bus: config reads all ones, writes dropped, BAR access and DEVICE_RESET EIO, no DMA")
    void pci_11_2_offBus() throws Exception {
        enableMemory(d);
        d.faults().inject(Fault.FALL_OFF_BUS, null);
        assertThat(cfg32(d, 0)).isEqualTo(-1);
        assertThat(cfg16(d, PciHeader.COMMAND)).isEqualTo(0xFFFF);
        cfgWrite(d, PciHeader.COMMAND, 2, 0);
        assertEio(() -> read(d, 0, 0, 4));
        assertEio(() -> write(d, 0, 0, 4, 1));
        assertEio(d::reset);
        assertThat(d.health().dmaAllowed()).isFalse();
        assertThat(d.status().health()).isEqualTo("off the bus");
        d.faults().recover();
        assertThat(cfg16(d, PciHeader.COMMAND) & PciHeader.COMMAND_MEMORY)
                .as("the write was dropped")
                .isNotZero();
    }

    @Test
    @DisplayName(
            "PCI-11.3 back on the bus the function answers config space but needs a reset before BARs and DMA work")
    void pci_11_3_recoverNeedsReset() throws Exception {
        enableMemory(d);
        d.faults().inject(Fault.FALL_OFF_BUS, null);
        assertThat(d.faults().recover()).contains("needs a reset");
        assertThat(cfg32(d, 0)).isEqualTo(0x0010_1b36);
        assertEio(() -> read(d, 0, 0, 4));
        assertThat(d.health().dmaAllowed()).isFalse();
        assertThat(d.status().health()).contains("needs a reset");
        d.reset();
        enableMemory(d);
        assertThat(read(d, 0, 0, 4)).isZero();
        assertThat(d.health().dmaAllowed()).isTrue();
        assertThat(d.status().health()).isEqualTo("ok");
        assertThat(d.status().resets()).isOne();
    }

    @Test
    @DisplayName("PCI-11.4 a stall holds trapped BAR access until it ends while config space answers; 1 ms to 60 s")
    void pci_11_4_stall() throws Exception {
        enableMemory(d);
        assertThatThrownBy(() -> d.faults().inject(Fault.STALL, Duration.ofSeconds(61)))
                .isInstanceOf(VfioException.class);
        assertThatThrownBy(() -> d.faults().inject(Fault.STALL, Duration.ZERO)).isInstanceOf(VfioException.class);
        d.faults().inject(Fault.STALL, FunctionHealth.MAX_STALL);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                result.set(read(d, 0, 0, 4));
            } catch (VfioException e) {
                result.set(e);
            }
        });
        assertThat(cfg32(d, 0)).as("config space answers").isEqualTo(0x0010_1b36);
        t.join(200);
        assertThat(t.isAlive()).as("the BAR read waits").isTrue();
        assertThat(d.status().health()).startsWith("stalled for");
        d.faults().recover();
        t.join();
        assertThat(result.get()).isEqualTo(0L);
    }

    static void assertEio(GatingTest.ThrowingAccess a) {
        assertThatThrownBy(a::run)
                .isInstanceOf(VfioException.class)
                .extracting(e -> ((VfioException) e).errno())
                .isEqualTo(Errno.EIO);
    }
}

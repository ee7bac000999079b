package dev.jvfio.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.MigrationState;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.devicestate.Migrate;
import dev.jvfio.os.EventFd;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.pci.TestFunction;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** MIG-1.x on the sample device, in-process: its whole BAR0 and config space move, and its interrupts. */
class SampleMigrationTest {
    static final int CFG = Vfio.PCI_CONFIG_REGION_INDEX;
    static final int BAR0 = Vfio.PCI_BAR0_REGION_INDEX;

    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    VfioPciDevice sample(String name) throws Exception {
        VfioPciDevice d = SampleDevice.create(name);
        open.add(d);
        d.attach(DmaSpace.NONE);
        return d;
    }

    EventFd arm(VfioPciDevice d, int vector) throws Exception {
        EventFd e = EventFd.create();
        open.add(e);
        d.setIrqs(new IrqSet(
                Vfio.PCI_MSIX_IRQ_INDEX,
                Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER,
                vector,
                1,
                new byte[0],
                List.of(e.fd().duplicate())));
        return e;
    }

    static byte[] whole(VfioPciDevice d, int region, int size) throws VfioException {
        byte[] out = new byte[size];
        d.read(region, 0, MemorySegment.ofArray(out));
        return out;
    }

    @Test
    @DisplayName(
            "MIG-1.4 the sample's config space, BAR0 (RAM, registers, engine block, MSI-X table and PBA) and pending vectors move")
    void mig1_4_sampleRoundTrip() throws Exception {
        VfioPciDevice src = sample("src");
        VfioPciDevice dst = sample("dst");
        TestFunction.cfgWrite(src, 0x10, 4, 0xFEB0_0004L);
        TestFunction.cfgWrite(src, 0x14, 4, 0x2L);
        TestFunction.cfgWrite(src, PciHeader.COMMAND, 2, PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER);
        int msix = TestFunction.cap(src, PciHeader.CAP_ID_MSIX);
        TestFunction.cfgWrite(src, msix + 2, 2, 0x8000);
        byte[] ram = new byte[(int) SampleDevice.RAM_SIZE];
        new Random(3).nextBytes(ram);
        src.write(BAR0, 0, MemorySegment.ofArray(ram));
        TestFunction.write(src, BAR0, SampleDevice.SCRATCH, 4, 0x5EED);
        TestFunction.write(src, BAR0, SampleDevice.MSIX_TABLE + 16 + 12, 4, 1); // vector 1 masked
        EventFd v0 = arm(src, 0);
        EventFd v1 = arm(src, 1);
        TestFunction.write(src, BAR0, SampleDevice.DOORBELL, 4, 0);
        TestFunction.write(src, BAR0, SampleDevice.DOORBELL, 4, 1); // pending: masked
        assertThat(v0.take()).isEqualTo(1);
        assertThat(v1.await(Duration.ZERO)).isFalse();
        EventFd d1 = arm(dst, 1); // the destination's VMM arms its own vectors
        byte[] config = whole(src, CFG, 4096);
        byte[] bar0 = whole(src, BAR0, (int) SampleDevice.BAR0_SIZE);

        Migrate.resume(dst.migration(), Migrate.stopAndCopy(src.migration()));

        assertThat(whole(dst, CFG, 4096)).isEqualTo(config);
        assertThat(whole(dst, BAR0, (int) SampleDevice.BAR0_SIZE)).isEqualTo(bar0);
        assertThat(dst.msixPending(1)).isTrue();
        TestFunction.write(dst, BAR0, SampleDevice.MSIX_TABLE + 16 + 12, 4, 0); // the guest unmasks on the destination
        assertThat(d1.take()).isEqualTo(1);
        assertThat(v1.await(Duration.ZERO)).as("not on the source").isFalse();
    }

    @Test
    @DisplayName(
            "MIG-1.7 a doorbell while stopped is held pending; the vector armed before fires after, on the destination")
    void mig1_7_interruptRaisedWhileStopped() throws Exception {
        VfioPciDevice src = sample("src");
        VfioPciDevice dst = sample("dst");
        TestFunction.cfgWrite(src, PciHeader.COMMAND, 2, PciHeader.COMMAND_MEMORY);
        TestFunction.cfgWrite(src, TestFunction.cap(src, PciHeader.CAP_ID_MSIX) + 2, 2, 0x8000);
        EventFd s2 = arm(src, 2);
        EventFd d2 = arm(dst, 2);
        src.migration().transition(MigrationState.RUNNING, MigrationState.STOP);
        TestFunction.write(src, BAR0, SampleDevice.DOORBELL, 4, 2);
        assertThat(s2.await(Duration.ZERO)).as("no interrupt after STOP").isFalse();
        src.migration().transition(MigrationState.STOP, MigrationState.STOP_COPY);
        byte[] stream = Migrate.readToEnd(src.migration(), 4096);
        src.migration().transition(MigrationState.STOP_COPY, MigrationState.STOP);
        Migrate.resume(dst.migration(), stream);
        assertThat(d2.take()).isEqualTo(1);
        assertThat(s2.await(Duration.ZERO)).isFalse();
        assertThat(TestFunction.read(dst, BAR0, SampleDevice.DOORBELLS, 4)).isEqualTo(1);
    }

    @Test
    @DisplayName(
            "MIG-1.2 a sample stream does not resume another function that calls itself a sample; functions migrate only when declared")
    void mig1_2_sampleIntoOtherFunction() throws Exception {
        VfioPciDevice src = sample("src");
        byte[] stream = Migrate.stopAndCopy(src.migration());
        VfioPciDevice other = TestFunction.builder().migratable("sample", null).build();
        open.add(other);
        assertThatThrownBy(() -> Migrate.load(other.migration(), stream)).isInstanceOf(VfioException.class);
        VfioPciDevice plain = TestFunction.build();
        open.add(plain);
        assertThat(plain.migration())
                .as("a function is not migratable unless declared")
                .isNull();
    }
}

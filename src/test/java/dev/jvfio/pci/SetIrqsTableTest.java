package dev.jvfio.pci;

import static dev.jvfio.pci.TestFunction.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.procfs.OpenFiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every cell of vfio-pci's SET_IRQS table (index × action × data type, {@code vfio_pci_set_irqs_ioctl}
 * in the kernel's vfio_pci_intrs.c) answers as the kernel does (PCI-10.x). One test per cell; MSI and
 * MSI-X share their cells, as do ERR and REQ, so those run once per index.
 */
class SetIrqsTableTest {
    static final int INTX = Vfio.PCI_INTX_IRQ_INDEX, MSI = Vfio.PCI_MSI_IRQ_INDEX, MSIX = Vfio.PCI_MSIX_IRQ_INDEX;
    static final int NONE = Vfio.IRQ_SET_DATA_NONE, BOOL = Vfio.IRQ_SET_DATA_BOOL, EVENTFD = Vfio.IRQ_SET_DATA_EVENTFD;
    static final int MASK = Vfio.IRQ_SET_ACTION_MASK,
            UNMASK = Vfio.IRQ_SET_ACTION_UNMASK,
            TRIGGER = Vfio.IRQ_SET_ACTION_TRIGGER;
    static final Duration PATIENCE = Duration.ofSeconds(10);

    VfioPciDevice d;
    final List<EventFd> eventfds = new ArrayList<>();

    @BeforeEach
    void build() {
        d = TestFunction.build();
    }

    @AfterEach
    void close() {
        d.close();
        eventfds.forEach(EventFd::close);
    }

    // ---------------------------------------------------------------- helpers

    /** A new eventfd of ours; the device gets a duplicate. */
    EventFd eventfd() throws Exception {
        EventFd e = EventFd.create();
        eventfds.add(e);
        return e;
    }

    /** 0 when the request succeeds, else its errno. */
    int set(int index, int flags, int start, int count, byte[] bools, List<Fd> fds) {
        try {
            d.setIrqs(new IrqSet(index, flags, start, count, bools == null ? new byte[0] : bools, fds));
            return 0;
        } catch (VfioException e) {
            return e.errno();
        }
    }

    int none(int index, int action, int start, int count) {
        return set(index, NONE | action, start, count, null, List.of());
    }

    int bool(int index, int action, int start, byte... bools) {
        return set(index, BOOL | action, start, bools.length, bools, List.of());
    }

    /** DATA_EVENTFD with duplicates of {@code es}, or with none (de-assign) for count vectors. */
    int fds(int index, int action, int start, int count, EventFd... es) throws Exception {
        List<Fd> fds = new ArrayList<>();
        for (EventFd e : es) {
            fds.add(e.fd().duplicate());
        }
        int r = set(index, EVENTFD | action, start, count, null, fds);
        if (r != 0) {
            fds.forEach(Fd::close); // a failed request leaves them to the caller (IrqSet)
        }
        return r;
    }

    EventFd enableIntx() throws Exception {
        EventFd t = eventfd();
        assertThat(fds(INTX, TRIGGER, 0, 1, t)).isZero();
        return t;
    }

    static boolean fired(EventFd e) throws Exception {
        return e.await(Duration.ZERO);
    }

    // ---------------------------------------------------------------- PCI-10.1 checks of every cell

    @Test
    @DisplayName("PCI-10.1 an unknown index, unknown flag or two data types is EINVAL; two actions ENOTTY")
    void pci_10_1_flags() {
        assertThat(none(5, TRIGGER, 0, 0)).isEqualTo(Errno.EINVAL);
        assertThat(set(INTX, NONE | TRIGGER | 0x40, 0, 1, null, List.of())).isEqualTo(Errno.EINVAL);
        assertThat(set(INTX, NONE | BOOL | TRIGGER, 0, 1, new byte[1], List.of()))
                .isEqualTo(Errno.EINVAL);
        assertThat(set(INTX, NONE | MASK | UNMASK, 0, 1, null, List.of())).isEqualTo(Errno.ENOTTY);
    }

    @Test
    @DisplayName(
            "PCI-10.1 vectors outside the index (also any request on an index with none) are EINVAL before the cell's rules")
    void pci_10_1_range() throws Exception {
        assertThat(none(MSIX, TRIGGER, MSIX_VECTORS, 0)).isEqualTo(Errno.EINVAL);
        assertThat(none(MSIX, TRIGGER, 6, 3)).isEqualTo(Errno.EINVAL);
        assertThat(none(MSI, MASK, 4, 1)).as("range before ENOTTY").isEqualTo(Errno.EINVAL);
        assertThat(none(INTX, TRIGGER, 1, 0)).isEqualTo(Errno.EINVAL);
        try (VfioPciDevice bare = VfioPciDevice.builder("bare").ids(1, 2).build()) {
            VfioException e = Assertions.assertThrows(
                    VfioException.class,
                    () -> bare.setIrqs(new IrqSet(INTX, NONE | TRIGGER, 0, 0, new byte[0], List.of())));
            assertThat(e.errno()).as("no INTx pin, no vectors").isEqualTo(Errno.EINVAL);
        }
    }

    @Test
    @DisplayName(
            "PCI-10.1 DATA_BOOL needs a byte per vector, DATA_EVENTFD one eventfd per vector or none, and eventfds only")
    void pci_10_1_data() throws Exception {
        assertThat(set(MSIX, BOOL | TRIGGER, 0, 2, new byte[1], List.of())).isEqualTo(Errno.EINVAL);
        assertThat(fds(MSIX, TRIGGER, 0, 2, eventfd())).isEqualTo(Errno.EINVAL);
        try (Fd memfd = Memfd.create("not-an-eventfd", 4096)) {
            assertThat(set(MSIX, EVENTFD | TRIGGER, 0, 1, null, List.of(memfd))).isEqualTo(Errno.EINVAL);
            assertThat(memfd.isOpen()).as("left to the caller").isTrue();
        }
    }

    // ---------------------------------------------------------------- PCI-10.2 INTx MASK

    @Test
    @DisplayName(
            "PCI-10.2 INTx MASK DATA_NONE: EINVAL unless INTx is enabled (start 0, count 1); holds the line until UNMASK")
    void pci_10_2_intxMaskNone() throws Exception {
        assertThat(none(INTX, MASK, 0, 1)).isEqualTo(Errno.EINVAL);
        EventFd t = enableIntx();
        assertThat(none(INTX, MASK, 0, 0)).isEqualTo(Errno.EINVAL);
        assertThat(none(INTX, MASK, 0, 1)).isZero();
        d.raiseIntx();
        assertThat(fired(t)).isFalse();
        assertThat(none(INTX, UNMASK, 0, 1)).isZero();
        assertThat(fired(t)).isTrue();
    }

    @Test
    @DisplayName("PCI-10.2 INTx MASK DATA_BOOL: masks only when the byte is non-zero")
    void pci_10_2_intxMaskBool() throws Exception {
        assertThat(bool(INTX, MASK, 0, (byte) 1)).isEqualTo(Errno.EINVAL);
        EventFd t = enableIntx();
        assertThat(bool(INTX, MASK, 0, (byte) 0)).isZero();
        d.raiseIntx();
        assertThat(fired(t)).as("not masked").isTrue();
        d.lowerIntx();
        assertThat(none(INTX, UNMASK, 0, 1)).isZero();
        assertThat(bool(INTX, MASK, 0, (byte) 1)).isZero();
        d.raiseIntx();
        assertThat(fired(t)).as("masked").isFalse();
    }

    @Test
    @DisplayName(
            "PCI-10.2 INTx MASK DATA_EVENTFD: EINVAL while INTx is off, then ENOTTY (vfio-pci has no mask eventfd)")
    void pci_10_2_intxMaskEventfd() throws Exception {
        EventFd m = eventfd();
        assertThat(fds(INTX, MASK, 0, 1, m)).isEqualTo(Errno.EINVAL);
        enableIntx();
        assertThat(fds(INTX, MASK, 0, 1, m)).isEqualTo(Errno.ENOTTY);
    }

    // ---------------------------------------------------------------- PCI-10.3 INTx UNMASK

    @Test
    @DisplayName(
            "PCI-10.3 INTx UNMASK DATA_NONE: EINVAL while INTx is off; unmasks, and signals again while the line is asserted")
    void pci_10_3_intxUnmaskNone() throws Exception {
        assertThat(none(INTX, UNMASK, 0, 1)).isEqualTo(Errno.EINVAL);
        EventFd t = enableIntx();
        d.raiseIntx();
        assertThat(fired(t)).isTrue();
        assertThat(none(INTX, UNMASK, 0, 1)).isZero();
        assertThat(fired(t)).as("still asserted").isTrue();
        d.lowerIntx();
        assertThat(none(INTX, UNMASK, 0, 1)).isZero();
        assertThat(fired(t)).isFalse();
    }

    @Test
    @DisplayName("PCI-10.3 INTx UNMASK DATA_BOOL: unmasks only when the byte is non-zero")
    void pci_10_3_intxUnmaskBool() throws Exception {
        assertThat(bool(INTX, UNMASK, 0, (byte) 1)).isEqualTo(Errno.EINVAL);
        EventFd t = enableIntx();
        d.raiseIntx();
        assertThat(fired(t)).isTrue();
        assertThat(bool(INTX, UNMASK, 0, (byte) 0)).isZero();
        assertThat(fired(t)).as("still masked").isFalse();
        assertThat(bool(INTX, UNMASK, 0, (byte) 1)).isZero();
        assertThat(fired(t)).isTrue();
    }

    @Test
    @DisplayName(
            "PCI-10.3 INTx UNMASK DATA_EVENTFD (KVM resample): each signal unmasks and re-signals while asserted; no fd disarms")
    void pci_10_3_intxUnmaskEventfd() throws Exception {
        EventFd resample = eventfd();
        assertThat(fds(INTX, UNMASK, 0, 1, resample)).as("INTx off").isEqualTo(Errno.EINVAL);
        EventFd t = enableIntx();
        assertThat(fds(INTX, UNMASK, 0, 1, resample)).isZero();
        d.raiseIntx();
        assertThat(fired(t)).isTrue();
        resample.signal(); // the guest's EOI, line still asserted
        assertThat(t.await(PATIENCE)).as("re-signalled").isTrue();
        d.lowerIntx();
        resample.signal(); // EOI after the device dropped the line
        awaitUnmaskSignals(2);
        assertThat(fired(t)).isFalse();
        d.raiseIntx();
        assertThat(fired(t)).as("unmasked by the second signal").isTrue();
        assertThat(fds(INTX, UNMASK, 0, 1)).as("no fd: disarm").isZero();
        assertThat(d.status().irqs().getFirst().unmaskFd()).isFalse();
        try (Fd memfd = Memfd.create("not-an-eventfd", 4096)) {
            assertThat(set(INTX, EVENTFD | UNMASK, 0, 1, null, List.of(memfd))).isEqualTo(Errno.EINVAL);
        }
    }

    void awaitUnmaskSignals(long n) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (d.status().counters().get("intx-unmask-signals") < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(d.status().counters().get("intx-unmask-signals")).isEqualTo(n);
    }

    // ---------------------------------------------------------------- PCI-10.4 INTx TRIGGER

    @Test
    @DisplayName(
            "PCI-10.4 INTx TRIGGER DATA_NONE: count 0 disables enabled INTx (else EINVAL); count 1 is a loopback signal")
    void pci_10_4_intxTriggerNone() throws Exception {
        assertThat(none(INTX, TRIGGER, 0, 0)).as("not enabled").isEqualTo(Errno.EINVAL);
        assertThat(none(INTX, TRIGGER, 0, 1)).as("not enabled").isEqualTo(Errno.EINVAL);
        EventFd t = enableIntx();
        assertThat(none(INTX, TRIGGER, 0, 1)).isZero();
        assertThat(fired(t)).isTrue();
        assertThat(none(INTX, TRIGGER, 0, 0)).isZero();
        assertThat(none(INTX, MASK, 0, 1)).as("INTx is off now").isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName(
            "PCI-10.4 INTx TRIGGER DATA_BOOL: a loopback signal when the byte is non-zero; EINVAL while INTx is off")
    void pci_10_4_intxTriggerBool() throws Exception {
        assertThat(bool(INTX, TRIGGER, 0, (byte) 1)).isEqualTo(Errno.EINVAL);
        EventFd t = enableIntx();
        assertThat(bool(INTX, TRIGGER, 0, (byte) 0)).isZero();
        assertThat(fired(t)).isFalse();
        assertThat(bool(INTX, TRIGGER, 0, (byte) 1)).isZero();
        assertThat(fired(t)).isTrue();
    }

    @Test
    @DisplayName(
            "PCI-10.4 INTx TRIGGER DATA_EVENTFD: enables INTx, replaces the trigger; no fd keeps INTx on without one; EINVAL under MSI")
    void pci_10_4_intxTriggerEventfd() throws Exception {
        EventFd a = eventfd();
        assertThat(fds(INTX, TRIGGER, 0, 1, a)).isZero();
        EventFd b = eventfd();
        assertThat(fds(INTX, TRIGGER, 0, 1, b)).isZero();
        d.raiseIntx();
        assertThat(fired(b)).isTrue();
        assertThat(fired(a)).isFalse();
        assertThat(fds(INTX, TRIGGER, 0, 1)).isZero();
        assertThat(none(INTX, MASK, 0, 1))
                .as("still enabled, without a trigger")
                .isZero();
        assertThat(none(INTX, TRIGGER, 0, 0)).isZero();
        assertThat(fds(MSI, TRIGGER, 0, 1, eventfd())).isZero();
        assertThat(fds(INTX, TRIGGER, 0, 1, a)).as("MSI is enabled").isEqualTo(Errno.EINVAL);
    }

    // ---------------------------------------------------------------- PCI-10.5 MSI, MSI-X

    @ParameterizedTest(name = "index {0}")
    @ValueSource(ints = {MSI, MSIX})
    @DisplayName("PCI-10.5 MSI/MSI-X MASK with DATA_NONE, DATA_BOOL, DATA_EVENTFD: ENOTTY, enabled or not")
    void pci_10_5_msiMask(int index) throws Exception {
        assertThat(none(index, MASK, 0, 1)).isEqualTo(Errno.ENOTTY);
        assertThat(fds(index, TRIGGER, 0, 1, eventfd())).isZero();
        assertThat(none(index, MASK, 0, 1)).isEqualTo(Errno.ENOTTY);
        assertThat(bool(index, MASK, 0, (byte) 1)).isEqualTo(Errno.ENOTTY);
        assertThat(fds(index, MASK, 0, 1, eventfd())).isEqualTo(Errno.ENOTTY);
    }

    @ParameterizedTest(name = "index {0}")
    @ValueSource(ints = {MSI, MSIX})
    @DisplayName("PCI-10.5 MSI/MSI-X UNMASK with DATA_NONE, DATA_BOOL, DATA_EVENTFD: ENOTTY, enabled or not")
    void pci_10_5_msiUnmask(int index) throws Exception {
        assertThat(none(index, UNMASK, 0, 1)).isEqualTo(Errno.ENOTTY);
        assertThat(fds(index, TRIGGER, 0, 1, eventfd())).isZero();
        assertThat(none(index, UNMASK, 0, 1)).isEqualTo(Errno.ENOTTY);
        assertThat(bool(index, UNMASK, 0, (byte) 1)).isEqualTo(Errno.ENOTTY);
        assertThat(fds(index, UNMASK, 0, 1, eventfd())).isEqualTo(Errno.ENOTTY);
    }

    @ParameterizedTest(name = "index {0}")
    @ValueSource(ints = {MSI, MSIX})
    @DisplayName(
            "PCI-10.5 MSI/MSI-X TRIGGER DATA_NONE: count 0 disables the enabled type (else EINVAL); loopback of armed vectors")
    void pci_10_5_msiTriggerNone(int index) throws Exception {
        assertThat(none(index, TRIGGER, 0, 0)).as("not enabled").isEqualTo(Errno.EINVAL);
        assertThat(none(index, TRIGGER, 0, 2)).as("not enabled").isEqualTo(Errno.EINVAL);
        EventFd v1 = eventfd();
        assertThat(fds(index, TRIGGER, 1, 1, v1)).isZero();
        assertThat(none(index, TRIGGER, 0, 2)).isZero();
        assertThat(fired(v1)).isTrue();
        int open = OpenFiles.count();
        assertThat(none(index, TRIGGER, 0, 0)).isZero();
        assertThat(OpenFiles.count()).as("its eventfd closed").isEqualTo(open - 1);
        assertThat(none(index, TRIGGER, 0, 1)).as("disabled").isEqualTo(Errno.EINVAL);
    }

    @ParameterizedTest(name = "index {0}")
    @ValueSource(ints = {MSI, MSIX})
    @DisplayName(
            "PCI-10.5 MSI/MSI-X TRIGGER DATA_BOOL: loopback of the vectors whose byte is non-zero; EINVAL while not enabled")
    void pci_10_5_msiTriggerBool(int index) throws Exception {
        assertThat(bool(index, TRIGGER, 0, (byte) 1)).isEqualTo(Errno.EINVAL);
        EventFd v0 = eventfd(), v1 = eventfd();
        assertThat(fds(index, TRIGGER, 0, 2, v0, v1)).isZero();
        assertThat(bool(index, TRIGGER, 0, (byte) 0, (byte) 1)).isZero();
        assertThat(fired(v0)).isFalse();
        assertThat(fired(v1)).isTrue();
    }

    @ParameterizedTest(name = "index {0}")
    @ValueSource(ints = {MSI, MSIX})
    @DisplayName(
            "PCI-10.5 MSI/MSI-X TRIGGER DATA_EVENTFD: enables the type and assigns; no fd enables with no vector; EINVAL under another type")
    void pci_10_5_msiTriggerEventfd(int index) throws Exception {
        assertThat(fds(index, TRIGGER, 0, 1))
                .as("QEMU's MSI-X enable with no vector")
                .isZero();
        assertThat(fds(INTX, TRIGGER, 0, 1, eventfd()))
                .as("another type is enabled now")
                .isEqualTo(Errno.EINVAL);
        EventFd v2 = eventfd();
        assertThat(fds(index, TRIGGER, 2, 1, v2)).isZero();
        assertThat(d.raiseInterrupt(2)).isTrue();
        assertThat(fired(v2)).isTrue();
        assertThat(fds(index, TRIGGER, 2, 1)).as("de-assign one vector").isZero();
        assertThat(d.raiseInterrupt(2)).isFalse();
        int other = index == MSI ? MSIX : MSI;
        assertThat(fds(other, TRIGGER, 0, 1, eventfd())).isEqualTo(Errno.EINVAL);
    }

    // ---------------------------------------------------------------- PCI-10.6 ERR, REQ

    @ParameterizedTest(name = "index {0}")
    @ValueSource(ints = {Vfio.PCI_ERR_IRQ_INDEX, Vfio.PCI_REQ_IRQ_INDEX})
    @DisplayName("PCI-10.6 ERR/REQ MASK with DATA_NONE, DATA_BOOL, DATA_EVENTFD: ENOTTY")
    void pci_10_6_singleMask(int index) throws Exception {
        assertThat(none(index, MASK, 0, 1)).isEqualTo(Errno.ENOTTY);
        assertThat(bool(index, MASK, 0, (byte) 1)).isEqualTo(Errno.ENOTTY);
        assertThat(fds(index, MASK, 0, 1, eventfd())).isEqualTo(Errno.ENOTTY);
    }

    @ParameterizedTest(name = "index {0}")
    @ValueSource(ints = {Vfio.PCI_ERR_IRQ_INDEX, Vfio.PCI_REQ_IRQ_INDEX})
    @DisplayName("PCI-10.6 ERR/REQ UNMASK with DATA_NONE, DATA_BOOL, DATA_EVENTFD: ENOTTY")
    void pci_10_6_singleUnmask(int index) throws Exception {
        assertThat(none(index, UNMASK, 0, 1)).isEqualTo(Errno.ENOTTY);
        assertThat(bool(index, UNMASK, 0, (byte) 1)).isEqualTo(Errno.ENOTTY);
        assertThat(fds(index, UNMASK, 0, 1, eventfd())).isEqualTo(Errno.ENOTTY);
    }

    @ParameterizedTest(name = "index {0}")
    @ValueSource(ints = {Vfio.PCI_ERR_IRQ_INDEX, Vfio.PCI_REQ_IRQ_INDEX})
    @DisplayName(
            "PCI-10.6 ERR/REQ TRIGGER DATA_NONE: EINVAL without an eventfd; count 1 signals it, count 0 releases it")
    void pci_10_6_singleTriggerNone(int index) throws Exception {
        assertThat(none(index, TRIGGER, 0, 1)).isEqualTo(Errno.EINVAL);
        assertThat(none(index, TRIGGER, 0, 0)).isEqualTo(Errno.EINVAL);
        EventFd e = eventfd();
        assertThat(fds(index, TRIGGER, 0, 1, e)).isZero();
        assertThat(none(index, TRIGGER, 0, 1)).isZero();
        assertThat(fired(e)).isTrue();
        assertThat(none(index, TRIGGER, 0, 0)).isZero();
        assertThat(none(index, TRIGGER, 0, 1)).as("released").isEqualTo(Errno.EINVAL);
    }

    @ParameterizedTest(name = "index {0}")
    @ValueSource(ints = {Vfio.PCI_ERR_IRQ_INDEX, Vfio.PCI_REQ_IRQ_INDEX})
    @DisplayName(
            "PCI-10.6 ERR/REQ TRIGGER DATA_BOOL: signals the eventfd when the byte is non-zero; without one succeeds doing nothing")
    void pci_10_6_singleTriggerBool(int index) throws Exception {
        assertThat(bool(index, TRIGGER, 0, (byte) 1))
                .as("no eventfd: nothing to signal")
                .isZero();
        EventFd e = eventfd();
        assertThat(fds(index, TRIGGER, 0, 1, e)).isZero();
        assertThat(bool(index, TRIGGER, 0, (byte) 0)).isZero();
        assertThat(fired(e)).isFalse();
        assertThat(bool(index, TRIGGER, 0, (byte) 1)).isZero();
        assertThat(fired(e)).isTrue();
        assertThat(set(index, BOOL | TRIGGER, 0, 0, new byte[0], List.of()))
                .as("count 0")
                .isEqualTo(Errno.EINVAL);
    }

    @ParameterizedTest(name = "index {0}")
    @ValueSource(ints = {Vfio.PCI_ERR_IRQ_INDEX, Vfio.PCI_REQ_IRQ_INDEX})
    @DisplayName(
            "PCI-10.6 ERR/REQ TRIGGER DATA_EVENTFD: installs (replacing the old one), no fd releases, count 0 is EINVAL")
    void pci_10_6_singleTriggerEventfd(int index) throws Exception {
        EventFd a = eventfd(), b = eventfd();
        assertThat(fds(index, TRIGGER, 0, 1, a)).isZero();
        assertThat(fds(index, TRIGGER, 0, 1, b)).isZero();
        assertThat(none(index, TRIGGER, 0, 1)).isZero();
        assertThat(fired(b)).isTrue();
        assertThat(fired(a)).isFalse();
        assertThat(fds(index, TRIGGER, 0, 1)).isZero();
        assertThat(none(index, TRIGGER, 0, 1)).as("released").isEqualTo(Errno.EINVAL);
        assertThat(set(index, EVENTFD | TRIGGER, 0, 0, null, List.of())).isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName(
            "PCI-10.6 a conventional PCI function has no ERR IRQ: GET_IRQ_INFO and every SET_IRQS on it are EINVAL; REQ stays")
    void pci_10_6_errNeedsExpress() throws Exception {
        try (VfioPciDevice conventional =
                        VfioPciDevice.builder("pci").ids(1, 2).intxPin(1).build();
                EventFd e = EventFd.create()) {
            VfioException info =
                    Assertions.assertThrows(VfioException.class, () -> conventional.irqInfo(Vfio.PCI_ERR_IRQ_INDEX));
            assertThat(info.errno()).isEqualTo(Errno.EINVAL);
            Fd dup = e.fd().duplicate();
            VfioException set = Assertions.assertThrows(
                    VfioException.class,
                    () -> conventional.setIrqs(
                            new IrqSet(Vfio.PCI_ERR_IRQ_INDEX, EVENTFD | TRIGGER, 0, 1, new byte[0], List.of(dup))));
            assertThat(set.errno()).isEqualTo(Errno.EINVAL);
            dup.close();
            assertThat(conventional.irqInfo(Vfio.PCI_REQ_IRQ_INDEX).count()).isOne();
        }
    }

    // ---------------------------------------------------------------- PCI-10.7 signals

    @Test
    @DisplayName("PCI-10.7 a release request signals REQ when the client armed it, and says when it did not")
    void pci_10_7_request() throws Exception {
        assertThat(d.request(0)).isFalse();
        EventFd e = eventfd();
        assertThat(fds(Vfio.PCI_REQ_IRQ_INDEX, TRIGGER, 0, 1, e)).isZero();
        assertThat(d.request(0)).isTrue();
        assertThat(fired(e)).isTrue();
        d.detach();
        assertThat(d.request(1)).as("detach released it").isFalse();
    }
}

package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.engine.CopyEngine;
import dev.jvfio.hw.Bar0Registers;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code dma} rows: GB/s of the GPU's copy engine moving client memory (a memfd the client
 * mapped with DMA_MAP, as QEMU maps guest RAM) into usemem and back, one copy per operation: ring
 * the doorbell and wait for the completion interrupt (MSI-X); the copy is programmed once per row
 * and ERRORS checked after it (an error completes with the interrupt too). The client waits as a
 * guest on a KVM host does: its halted vCPU is polled for {@code --halt-poll} (KVM's default
 * {@code halt_poll_ns}, {@link BenchOptions#HALT_POLL}) before its thread sleeps, so an interrupt
 * that comes sooner costs no wake-up; with {@code --halt-poll 0} every completion wakes a sleeping
 * client, which on a VM that halts its idle vCPUs costs tens of microseconds per copy. The floor is
 * {@code MemorySegment.copy} in this process between the same pages, same sizes. First, the fixed
 * cost of one copy: round trips of a 4 KiB copy (doorbell to interrupt) against the round trip of
 * a trapped BAR0 write to the same server and device, the least a doorbell and its answer cost.
 */
final class DmaGroup {
    static final long IOVA = 1L << 40;
    /**
     * Where in usemem the engine copies: past the first GiB, which the mapped and footprint rows
     * wrote through the client's mapping before these rows, so that this group's memory is its own.
     */
    static final long DEVICE_OFFSET = 2L << 30;

    static final List<Long> SIZES = List.of(BenchOptions.MIB, 64 * BenchOptions.MIB);
    /** Large copies: at least 0.90 of copying the same pages in this process. */
    static final double LARGE_TARGET = 0.90;
    /**
     * 1 MiB copies: at least half the copy floor. Such a copy moves in ~50 us, about what a doorbell
     * and a completion interrupt cost on their own (the round-trip row), so half is what is in reach.
     */
    static final double SMALL_TARGET = 0.5;
    /** The copy whose round trip is the engine's fixed cost per copy. */
    static final long ROUND_TRIP_SIZE = 4 * BenchOptions.KIB;

    static final String ROUND_TRIP_FLOOR = "a trapped 4-byte BAR0 write to the same server and device, with its reply"
            + " (the copy engine's SRC_LO, rewritten with the value it holds)";
    static final String FLOOR = "MemorySegment.copy in this process between the same guest memfd and usemem pages"
            + " (usemem mapped through BAR4's region fd), same sizes";
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** How long a --spin client polls for a completion before it sleeps for it. */
    private static final Duration SPIN = Duration.ofMillis(10);

    private final Bench bench;
    private final List<AutoCloseable> open;

    DmaGroup(Bench bench, List<AutoCloseable> open) {
        this.bench = bench;
        this.open = open;
    }

    /** Adds one row per size and direction to {@code rows}. */
    void measure(List<VfioUserClient> clients, long serverPid, List<Row> rows, List<String> notes)
            throws IOException, VfioException {
        measure(clients, bench.placement(), serverPid, rows, notes);
    }

    private void measure(
            List<VfioUserClient> clients, Placement place, long serverPid, List<Row> rows, List<String> notes)
            throws IOException, VfioException {
        long largest = SIZES.getLast();
        List<EventFd> done = new ArrayList<>();
        List<MemorySegment> floorGuest = new ArrayList<>();
        List<MemorySegment> floorDevice = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            VfioUserClient c = clients.get(i);
            Fd guest = Memfd.create("bench-dma-guest-" + i, largest);
            open.add(guest);
            MappedMemory g = MappedMemory.map(guest, 0, largest, true);
            open.add(g);
            g.segment().fill((byte) 0x3C); // first touch outside the rounds
            c.dmaMap(guest, 0, IOVA, largest, true, true);
            EventFd irq = EventFd.create();
            open.add(irq);
            done.add(irq);
            c.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 0, List.of(irq.fd()));
            int msix = findCapability(c, 0x11);
            c.write(Vfio.PCI_CONFIG_REGION_INDEX, msix + 3, new byte[] {(byte) 0x80});
            byte[] cmd = c.read(Vfio.PCI_CONFIG_REGION_INDEX, 4, 2);
            cmd[0] |= 0x6; // memory decode and Bus Master
            c.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, cmd);
            MemorySegment device = sameDeviceMemory(c, largest);
            if (device != null) {
                floorGuest.add(g.segment());
                floorDevice.add(device);
            } else {
                floorGuest.add(touchedMemfd("bench-dma-floor-guest-" + i, largest));
                floorDevice.add(touchedMemfd("bench-dma-floor-device-" + i, largest));
                notes.add("dma: BAR4 does not map usemem at 0x" + Long.toHexString(DEVICE_OFFSET)
                        + "; the floor copied between two memfds of its own");
            }
        }
        for (int i = 0; i < clients.size(); i++) { // a first copy starts each engine's worker thread
            engineCopy(clients.get(i), done.get(i), SIZES.getFirst(), true).run();
        }
        notes.add("dma: the gh200's copy engine at BAR0 + 0x" + Long.toHexString(Bar0Registers.COPY_ENGINE)
                + ", guest memory a memfd mapped with DMA_MAP at IOVA 0x" + Long.toHexString(IOVA)
                + ", usemem offset 0x" + Long.toHexString(DEVICE_OFFSET)
                + "; one copy per operation (a posted doorbell write, as QEMU sends it, then the MSI-X completion), ERRORS checked per row;"
                + " the client "
                + (bench.o.spin()
                        ? "busy-polls for each completion (--spin)"
                        : bench.o.haltPoll().isZero()
                                ? "sleeps until each completion (--halt-poll 0)"
                                : "polls for each completion for "
                                        + bench.o.haltPoll().toNanos() / 1000
                                        + " us (--halt-poll, as KVM polls a halted vCPU), then sleeps"));
        roundTripRow(clients, done, place, serverPid, rows);
        for (long size : SIZES) {
            for (boolean toDevice : new boolean[] {true, false}) {
                String what = toDevice ? "guest->device" : "device->guest";
                bench.say("dma: " + what + " copies of " + Text.size(size));
                List<Op> subject = new ArrayList<>();
                List<Op> floor = new ArrayList<>();
                for (int i = 0; i < clients.size(); i++) {
                    subject.add(engineCopy(clients.get(i), done.get(i), size, toDevice));
                    MemorySegment from =
                            (toDevice ? floorGuest : floorDevice).get(i).asSlice(0, size);
                    MemorySegment to =
                            (toDevice ? floorDevice : floorGuest).get(i).asSlice(0, size);
                    floor.add(() -> MemorySegment.copy(from, 0, to, 0, size));
                }
                // placed: the floor copies on this thread, the subject on the engine's worker; the
                // subject's client (rings, waits) stays where the scheduler puts it
                Side floorSide = new Side(
                        "copy", floor, false, place == null ? () -> {} : () -> place.thisThreadTo(place.highCpu()));
                Side jvfio = new Side(
                        "dma",
                        subject,
                        false,
                        place == null
                                ? () -> {}
                                : () -> {
                                    place.thisThreadBack();
                                    place.threadsTo(serverPid, CopyEngine.WORKER_THREAD, place.highCpu());
                                });
                double target = size == largest ? LARGE_TARGET : SMALL_TARGET;
                Rounds rounds = bench.alternate(floorSide, jvfio, target);
                for (VfioUserClient c : clients) {
                    expectNoErrors(c);
                }
                double gb = size / 1e9;
                rows.add(Rows.row(
                        "dma." + (toDevice ? "to-device." : "to-guest.") + Text.size(size),
                        "dma",
                        "engine " + what + " " + Text.size(size),
                        "GB/s",
                        true,
                        Stat.of(jvfio.rates(), true).scaled(gb),
                        Stat.of(floorSide.rates(), true).scaled(gb),
                        FLOOR,
                        null,
                        null,
                        rounds,
                        Rows.ratioTarget(target)));
            }
        }
        for (VfioUserClient c : clients) {
            c.dmaUnmap(IOVA, largest);
        }
    }

    /**
     * The fixed cost of a copy: round trips of a {@link #ROUND_TRIP_SIZE} guest-to-device copy
     * (posted doorbell, completion interrupt) against trapped BAR0 writes with a reply, the client
     * (this thread) on the low CPU for both and the engine's worker on the high one, as in the
     * other rows; the floor polls for its reply as long as the subject polls for its interrupt
     * ({@code --halt-poll}, {@code --spin}). No target: it says what a copy costs before any byte
     * moves.
     */
    private void roundTripRow(
            List<VfioUserClient> clients, List<EventFd> done, Placement place, long serverPid, List<Row> rows)
            throws IOException, VfioException {
        bench.say("dma: round trips of " + Text.size(ROUND_TRIP_SIZE) + " copies and of trapped BAR0 writes");
        // the floor waits for its reply as the subject waits for its interrupt: polling as long
        long poll = bench.o.spin() ? SPIN.toNanos() : bench.o.haltPoll().toNanos();
        for (VfioUserClient c : clients) {
            c.pollFirst(poll);
        }
        try {
            roundTrips(clients, done, place, serverPid, rows);
        } finally {
            for (VfioUserClient c : clients) {
                c.pollFirst(0);
            }
        }
    }

    private void roundTrips(
            List<VfioUserClient> clients, List<EventFd> done, Placement place, long serverPid, List<Row> rows)
            throws IOException, VfioException {
        List<Op> subject = new ArrayList<>();
        List<Op> floor = new ArrayList<>();
        byte[] srcLo = new byte[4]; // IOVA's low word, as engineCopy programs it: the write changes nothing
        MemorySegment.ofArray(srcLo).set(LE32, 0, (int) IOVA);
        for (int i = 0; i < clients.size(); i++) {
            VfioUserClient c = clients.get(i);
            subject.add(engineCopy(c, done.get(i), ROUND_TRIP_SIZE, true));
            floor.add(() -> SocketGroups.expect(
                    c.write(Vfio.PCI_BAR0_REGION_INDEX, Bar0Registers.COPY_ENGINE + CopyEngine.SRC_LO, srcLo), 4));
        }
        Side floorSide = new Side(
                "trapped write", floor, true, place == null ? () -> {} : () -> place.thisThreadTo(place.lowCpu()));
        Side jvfio = new Side(
                "dma",
                subject,
                true,
                place == null
                        ? () -> {}
                        : () -> {
                            place.thisThreadTo(place.lowCpu());
                            place.threadsTo(serverPid, CopyEngine.WORKER_THREAD, place.highCpu());
                        });
        Rounds rounds = bench.alternate(floorSide, jvfio, Double.NaN);
        for (VfioUserClient c : clients) {
            expectNoErrors(c);
        }
        rows.add(Rows.roundTrips(
                "dma.round-trip." + Text.size(ROUND_TRIP_SIZE),
                "dma",
                "engine copy " + Text.size(ROUND_TRIP_SIZE) + ", doorbell to irq",
                jvfio,
                floorSide,
                ROUND_TRIP_FLOOR,
                rounds,
                r -> null));
    }

    /** One engine copy of {@code size} bytes per run: doorbell, completion interrupt, STATUS check. */
    private Op engineCopy(VfioUserClient c, EventFd done, long size, boolean toDevice)
            throws IOException, VfioException {
        byte[] program = new byte[24];
        MemorySegment p = MemorySegment.ofArray(program);
        long src = toDevice ? IOVA : DEVICE_OFFSET;
        long dst = toDevice ? DEVICE_OFFSET : IOVA;
        p.set(LE32, 0, (int) src);
        p.set(LE32, 4, (int) (src >>> 32));
        p.set(LE32, 8, (int) dst);
        p.set(LE32, 12, (int) (dst >>> 32));
        p.set(LE32, 16, (int) size);
        p.set(
                LE32,
                20,
                (toDevice ? CopyEngine.CTRL_DST_DEVICE : CopyEngine.CTRL_SRC_DEVICE) | CopyEngine.CTRL_INTERRUPT);
        long base = Bar0Registers.COPY_ENGINE;
        c.write(Vfio.PCI_BAR0_REGION_INDEX, base + CopyEngine.SRC_LO, program); // the same copy every time
        byte[] ring = {1, 0, 0, 0};
        Duration poll = bench.o.spin() ? SPIN : bench.o.haltPoll();
        return () -> {
            // posted, as QEMU sends BAR writes unless x-no-posted-writes is set: no reply to wait for
            c.writePosted(Vfio.PCI_BAR0_REGION_INDEX, base + CopyEngine.DOORBELL, ring);
            // the client polls for the completion for --halt-poll, as KVM polls a guest's halted
            // vCPU, then sleeps; --spin: it polls far longer, as the socket rows' clients poll for
            // replies: what the engine costs when wake-ups are free
            boolean completed = poll.isZero() ? done.await(PATIENCE) : done.awaitSpinning(poll, PATIENCE);
            if (!completed) {
                throw new IOException("no completion interrupt from the copy engine in " + PATIENCE);
            }
        };
    }

    /** Every copy of a row must have succeeded: ERRORS stays 0 (checked once per row, not per copy). */
    private static void expectNoErrors(VfioUserClient c) throws IOException, VfioException {
        int errors = MemorySegment.ofArray(
                        c.read(Vfio.PCI_BAR0_REGION_INDEX, Bar0Registers.COPY_ENGINE + CopyEngine.ERRORS, 4))
                .get(LE32, 0);
        if (errors != 0) {
            int status = MemorySegment.ofArray(
                            c.read(Vfio.PCI_BAR0_REGION_INDEX, Bar0Registers.COPY_ENGINE + CopyEngine.STATUS, 4))
                    .get(LE32, 0);
            throw new IOException(errors + " engine copies failed, last status 0x" + Integer.toHexString(status));
        }
    }

    /**
     * The usemem pages the engine copies to and from, mapped in this process through BAR4's region
     * fd, so the floor moves the very same pages (guest memfd and usemem) as the engine: whatever
     * their placement in physical memory costs, both sides pay it. Null if BAR4 does not map them.
     */
    private MemorySegment sameDeviceMemory(VfioUserClient c, long size) throws IOException, VfioException {
        RegionInfo bar4 = c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
        if (!bar4.mappable()) {
            return null;
        }
        SparseArea area = MappedGroup.mappableArea(bar4);
        if (area.offset() > DEVICE_OFFSET || DEVICE_OFFSET + size > area.offset() + area.size()) {
            return null;
        }
        MappedMemory m = VfioUserClient.mapRegion(bar4, DEVICE_OFFSET, size, true);
        open.add(m);
        return m.segment();
    }

    private MemorySegment touchedMemfd(String name, long size) throws IOException {
        Fd fd = Memfd.create(name, size);
        MappedMemory m = MappedMemory.map(fd, 0, size, true);
        fd.close();
        open.add(m);
        m.segment().fill((byte) 0x3C);
        return m.segment();
    }

    /** Config-space offset of the capability with {@code id}, walking the list from 0x34. */
    private static int findCapability(VfioUserClient c, int id) throws IOException, VfioException {
        int at = c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0x34, 1)[0] & 0xFC;
        for (int hops = 0; at != 0 && hops < 48; hops++) {
            byte[] h = c.read(Vfio.PCI_CONFIG_REGION_INDEX, at, 2);
            if ((h[0] & 0xFF) == id) {
                return at;
            }
            at = h[1] & 0xFC;
        }
        throw new IOException("the device has no capability 0x" + Integer.toHexString(id));
    }
}

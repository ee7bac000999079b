package dev.jvfio.control;

import dev.jvfio.device.DeviceStatus;
import dev.jvfio.device.Fault;
import dev.jvfio.device.FaultInjection;
import dev.jvfio.device.VfioException;
import dev.jvfio.server.ClientStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A served device for control tests: a client that is there until told to go, REQ optional. */
final class FakeServed implements ServedDevice {
    final String name;
    final AtomicBoolean attached = new AtomicBoolean(true);
    final AtomicInteger requests = new AtomicInteger();
    final boolean reqArmed;
    final boolean leavesOnRequest;
    final Path qmp;
    volatile String lastFault;

    FakeServed(String name, boolean reqArmed, boolean leavesOnRequest, Path qmp) {
        this.name = name;
        this.reqArmed = reqArmed;
        this.leavesOnRequest = leavesOnRequest;
        this.qmp = qmp;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String profile() {
        return "sample";
    }

    @Override
    public Path socket() {
        return Path.of("/tmp/" + name + ".sock");
    }

    @Override
    public Optional<ClientStatus> client() {
        return attached.get()
                ? Optional.of(new ClientStatus(42, 0, Instant.EPOCH, 1, 4096, Map.of("VERSION", 1L), Map.of()))
                : Optional.empty();
    }

    @Override
    public DeviceStatus status() {
        return new DeviceStatus(
                List.of(new DeviceStatus.IrqStatus(4, 1, reqArmed ? 1 : 0, false, false)),
                0,
                "ok",
                Map.of("copy-engine.done", 3L));
    }

    @Override
    public FaultInjection faults() {
        return new FaultInjection() {
            @Override
            public Set<Fault> supported() {
                return EnumSet.of(Fault.ERROR, Fault.STALL);
            }

            @Override
            public String inject(Fault fault, Duration length) throws VfioException {
                lastFault = fault.cliName() + (length == null ? "" : " " + length.toMillis());
                return "injected " + lastFault;
            }

            @Override
            public String recover() {
                lastFault = null;
                return "recovered";
            }
        };
    }

    @Override
    public boolean request(int count) {
        requests.incrementAndGet();
        if (reqArmed && leavesOnRequest) {
            attached.set(false);
        }
        return reqArmed;
    }

    @Override
    public Optional<Path> qmp() {
        return Optional.ofNullable(qmp);
    }
}

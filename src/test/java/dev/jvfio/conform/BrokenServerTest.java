package dev.jvfio.conform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.nvgrace.RegionLayout;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every check can fail: each runs against a server broken in one way that check is about (jvfio
 * behind a {@link MisbehavingProxy}, with a {@link FakeMigration} for the migration checks) and
 * reports FAIL. The same proxy without a fault, and the fake without a quirk, pass everything.
 */
class BrokenServerTest {
    static final int VERSION = 1,
            DMA_MAP = 2,
            DMA_UNMAP = 3,
            GET_INFO = 4,
            REGION_INFO = 5,
            IO_FDS = 6,
            IRQ_INFO = 7,
            SET_IRQS = 8,
            READ = 9,
            WRITE = 10,
            RESET = 13,
            WRITE_MULTI = 15;
    static final int EINVAL = 22;

    static Path dir;
    static VfioDevice device;
    static VfioUserServer server;
    static int proxies;

    /** A GH200 in the region layout: it has a read-only region, TYPE capabilities and a MASKABLE INTx. */
    @BeforeAll
    static void serve() throws Exception {
        dir = TempDirs.create();
        device = DeviceProfiles.create(
                GpuOptions.defaults().withLayout(RegionLayout.REGION).withMemorySize(3L << 30));
        server = VfioUserServer.start(dir.resolve("s"), device, ServerOptions.defaults());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        device.close();
        TempDirs.delete(dir);
    }

    /** The check under test, how the server misbehaves, and the broken server's parts. */
    record Case(String check, String misbehaviour, Fault fault, FakeMigration migration) {
        @Override
        public String toString() {
            return check + " (" + misbehaviour + ")";
        }
    }

    static Report run(Fault fault, FakeMigration migration, List<Check> checks) throws Exception {
        return run(fault, migration, checks, Duration.ofSeconds(5));
    }

    static Report run(Fault fault, FakeMigration migration, List<Check> checks, Duration timeout) throws Exception {
        try (MisbehavingProxy proxy =
                MisbehavingProxy.start(dir.resolve("p" + ++proxies), dir.resolve("s"), fault, migration)) {
            return Runner.run(Settings.of(proxy.socket(), timeout), checks, o -> {});
        }
    }

    @Test
    @DisplayName("a server that sends no reply fails the check within the timeout, and the next check runs")
    void silenceIsAFailure() throws Exception {
        Fault dropped = new Fault() {
            @Override
            public List<Frame> answer(Frame q, int nth) {
                return q.command() == GET_INFO && q.id() == 0xFFFF ? List.of() : null; // swallowed, never answered
            }
        };
        Report report = run(
                dropped,
                null,
                Catalogue.select(List.of("VU-2.2/ids-echoed", "VU-4.1/device-info")),
                Duration.ofSeconds(1));
        assertThat(report.outcomes().get(0).status()).isEqualTo(Status.FAIL);
        assertThat(report.outcomes().get(0).reason()).isEqualTo("no reply within 1 s");
        assertThat(report.outcomes().get(1).status())
                .as(report.outcomes().get(1).line())
                .isEqualTo(Status.PASS);
    }

    @Test
    @DisplayName("through the proxy without a fault, with the fake's migration, every check passes")
    void conformingThroughTheProxy() throws Exception {
        Report report = run(Fault.NONE, new FakeMigration(), Catalogue.all());
        report.lines().forEach(System.out::println);
        assertThat(report.outcomes())
                .allSatisfy(o -> assertThat(o.status()).as(o.line()).isEqualTo(Status.PASS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachCheckFailsAgainstAServerBrokenItsWay(Case c) throws Exception {
        Report report = run(c.fault(), c.migration(), Catalogue.select(List.of(c.check())));
        assertThat(report.outcomes()).hasSize(1);
        Report.Outcome o = report.outcomes().getFirst();
        System.out.println(c.misbehaviour() + " -> " + o.line());
        assertThat(o.status()).as(o.line()).isEqualTo(Status.FAIL);
    }

    @Test
    @DisplayName("every check in the catalogue has a broken server that makes it fail")
    void everyCheckHasACase() {
        Set<String> covered = cases().map(Case::check).collect(Collectors.toSet());
        assertThat(covered).containsAll(Catalogue.all().stream().map(Check::id).toList());
    }

    static Stream<Case> cases() {
        return Stream.of(
                        versionCases(),
                        framingCases(),
                        malformedCases(),
                        regionCases(),
                        accessCases(),
                        irqCases(),
                        dmaCases(),
                        migrationCases())
                .flatMap(List::stream);
    }

    static Case of(String check, String misbehaviour, Fault fault) {
        return new Case(check, misbehaviour, fault, null);
    }

    static List<Case> versionCases() {
        return List.of(
                of(
                        "VU-3.2/minor-zero",
                        "answers QEMU's 0.0 with minor 1",
                        reply((q, r) -> q.command() == VERSION && q.text().contains("write_multiple")
                                ? r.withPayload(r.putU16(2, 1))
                                : r)),
                of(
                        "VU-3.2/future-minor",
                        "refuses a minor it does not know",
                        answer(q ->
                                q.command() == VERSION && Le.u16(q.payload(), 2) > 1 ? q.errorReply(EINVAL) : null)),
                of(
                        "VU-3.2/other-major-refused",
                        "answers any major with major 0",
                        forward(q -> q.command() == VERSION ? q.withPayload(q.putU16(0, 0)) : q)),
                of(
                        "VU-3.1/no-capabilities",
                        "refuses VERSION without JSON",
                        answer(q -> q.command() == VERSION && q.payload().length == 4 ? q.errorReply(EINVAL) : null)),
                of(
                        "VU-3.1/empty-capabilities",
                        "refuses an empty capabilities object",
                        answer(q -> q.command() == VERSION && q.text().contains("{\"capabilities\":{}}")
                                ? q.errorReply(EINVAL)
                                : null)),
                of(
                        "VU-3.3/unknown-capabilities-ignored",
                        "refuses capabilities it does not know",
                        answer(q -> q.command() == VERSION && q.text().contains("x_conform")
                                ? q.errorReply(EINVAL)
                                : null)),
                of(
                        "VU-3.1/malformed-json-refused",
                        "takes malformed JSON for no capabilities",
                        forward(q -> q.command() == VERSION && q.text().endsWith(":\0") ? defaultVersion(q) : q)),
                of(
                        "VU-3.1/non-object-json-refused",
                        "takes a JSON array for no capabilities",
                        forward(q -> q.command() == VERSION && q.text().contains("[\"capabilities\"")
                                ? defaultVersion(q)
                                : q)),
                of(
                        "VU-3.2/capabilities-subset",
                        "announces a capability of its own",
                        reply((q, r) -> q.command() == VERSION && !r.isError() ? withExtraCapability(r) : r)),
                of("VU-3.2/nothing-before-version", "serves DEVICE_GET_INFO before VERSION", new Fault() {
                    @Override
                    public List<Frame> answer(Frame q, int nth) {
                        return nth == 1 && q.command() != VERSION ? List.of(q.reply(deviceInfo())) : null;
                    }
                }));
    }

    static List<Case> framingCases() {
        return List.of(
                of(
                        "VU-2.2/ids-echoed",
                        "drops the top bit of msg ids",
                        reply((q, r) -> q.command() == GET_INFO && q.id() >= 0x8000 ? r.withId(q.id() & 0x7FFF) : r)),
                of("VU-2.3/pipelined-in-order", "answers region info after the next request", new Fault() {
                    private Frame held;

                    @Override
                    public List<Frame> reply(Frame q, Frame r) {
                        if (q.command() == REGION_INFO) {
                            held = r;
                            return List.of();
                        }
                        if (held != null) {
                            Frame late = held;
                            held = null;
                            return List.of(r, late);
                        }
                        return List.of(r);
                    }
                }),
                of(
                        "VU-2.3/no-reply-honoured",
                        "answers No_reply commands",
                        forward(q -> q.withFlags(q.flags() & ~Frame.NO_REPLY))),
                of(
                        "VU-4.1/device-info",
                        "announces 3 IRQ indexes",
                        reply((q, r) -> q.command() == GET_INFO && !r.isError() ? r.withPayload(r.putU32(12, 3)) : r)),
                of("VU-7.1/reset", "fails DEVICE_RESET", answer(q -> q.command() == RESET ? q.errorReply(5) : null)));
    }

    static List<Case> malformedCases() {
        return List.of(
                of(
                        "VU-2.1/short-payloads-refused",
                        "serves DEVICE_GET_INFO without its structure",
                        forward(q ->
                                q.command() == GET_INFO && q.payload().length == 0 ? q.withPayload(deviceInfo()) : q)),
                of("VU-2.1/header-size-below-header", "answers a header of size 8 as DEVICE_GET_INFO", new Fault() {
                    @Override
                    public List<Frame> badHeader(Frame header) {
                        return List.of(header.reply(deviceInfo()));
                    }
                }),
                of(
                        "VU-4.2/argsz-too-small-refused",
                        "reads argsz 8 as 16",
                        forward(q -> q.command() == GET_INFO && q.payload().length >= 4 && q.u32(0) < 16
                                ? q.withPayload(q.putU32(0, 16))
                                : q)),
                of(
                        "VU-2.4/unknown-commands-refused",
                        "accepts command 0",
                        answer(q -> q.command() == 0 ? q.reply(new byte[0]) : null)),
                of(
                        "VU-4.2/region-index-out-of-range",
                        "answers region info of any index",
                        errorsBecome(REGION_INFO, q -> new byte[32])),
                of(
                        "VU-4.4/irq-index-out-of-range",
                        "answers IRQ info of any index",
                        errorsBecome(IRQ_INFO, q -> new byte[16])));
    }

    static List<Case> regionCases() {
        return List.of(
                of(
                        "VU-4.2/region-info",
                        "fills the reply up to the client's argsz",
                        reply((q, r) -> q.command() == REGION_INFO && !r.isError() && q.u32(0) > r.payload().length
                                ? r.withPayload(Arrays.copyOf(r.payload(), (int) q.u32(0)))
                                : r)),
                of(
                        "VU-4.3/capability-chains",
                        "points the first capability back at itself",
                        reply((q, r) -> q.command() == REGION_INFO
                                        && !r.isError()
                                        && (r.u32(4) & 8) != 0
                                        && r.payload().length >= r.u32(12) + 8
                                ? r.withPayload(r.putU32((int) r.u32(12) + 4, r.u32(12)))
                                : r)),
                of(
                        "VU-4.2/fds-only-where-mappable",
                        "sends no fd for a mappable region",
                        reply((q, r) -> q.command() == REGION_INFO ? r.withoutFds() : r)),
                of(
                        "VU-4.6/io-fds",
                        "sets flags in its I/O fd reply",
                        reply((q, r) -> q.command() == IO_FDS && !r.isError() ? r.withPayload(r.putU32(4, 1)) : r)));
    }

    static List<Case> accessCases() {
        Fault readsAccepted = errorsBecome(READ, q -> Arrays.copyOf(q.putU32(12, 0), 16));
        Fault writesAccepted = errorsBecome(WRITE, q -> Arrays.copyOf(q.putU32(12, 0), 16));
        return List.of(
                of(
                        "VU-5.1/config-read",
                        "returns one byte less than asked",
                        reply((q, r) -> q.command() == READ && !r.isError()
                                ? r.withPayload(Arrays.copyOf(r.payload(), r.payload().length - 1))
                                : r)),
                of(
                        "VU-5.1/config-write",
                        "names another region in its write reply",
                        reply((q, r) ->
                                q.command() == WRITE && !r.isError() ? r.withPayload(r.putU32(8, r.u32(8) + 1)) : r)),
                of("VU-5.1/read-past-end-refused", "answers reads past the end with no data", readsAccepted),
                of("VU-5.1/write-past-end-refused", "drops writes past the end silently", writesAccepted),
                of("VU-5.1/write-read-only-refused", "drops writes to a read-only region silently", writesAccepted),
                of("VU-5.1/count-above-max-refused", "answers oversized reads with no data", readsAccepted),
                of(
                        "VU-5.1/write-count-mismatch-refused",
                        "drops writes with the wrong data length silently",
                        writesAccepted),
                of(
                        "VU-5.1/write-multi",
                        "answers WRITE_MULTI with a bare header",
                        reply((q, r) -> q.command() == WRITE_MULTI && !r.isError() ? r.withPayload(new byte[0]) : r)),
                of(
                        "VU-5.1/unaligned-config-access",
                        "returns other bytes for unaligned reads",
                        reply((q, r) -> q.command() == READ && !r.isError() && q.u64(0) % 2 == 1
                                ? r.withPayload(flipData(r.payload()))
                                : r)));
    }

    static List<Case> irqCases() {
        Fault setsAccepted = errorsBecome(SET_IRQS, q -> new byte[0]);
        return List.of(
                of(
                        "VU-4.4/irq-info",
                        "sets an undefined IRQ info flag",
                        reply((q, r) -> q.command() == IRQ_INFO && !r.isError()
                                ? r.withPayload(r.putU32(4, r.u32(4) | 0x10))
                                : r)),
                of(
                        "VU-4.5/set-irqs-eventfd",
                        "refuses to de-assign an eventfd",
                        answer(q -> q.command() == SET_IRQS
                                        && (q.u32(4) & 4) != 0
                                        && q.fds().isEmpty()
                                ? q.errorReply(EINVAL)
                                : null)),
                of("VU-4.5/set-irqs-range-refused", "accepts any SET_IRQS", setsAccepted),
                of("VU-4.5/set-irqs-flags-refused", "accepts any SET_IRQS", setsAccepted),
                of("VU-4.5/set-irqs-fd-count-refused", "accepts any SET_IRQS", setsAccepted),
                of(
                        "VU-4.4/maskable-masks",
                        "refuses MASK of a MASKABLE index",
                        answer(q -> q.command() == SET_IRQS && (q.u32(4) & 8) != 0 ? q.errorReply(EINVAL) : null)));
    }

    static List<Case> dmaCases() {
        return List.of(
                of(
                        "VU-6.1/map-unmap",
                        "answers DMA_UNMAP with a bare header",
                        reply((q, r) -> q.command() == DMA_UNMAP && !r.isError() ? r.withPayload(new byte[0]) : r)),
                of(
                        "VU-6.1/overlap-refused",
                        "answers an overlapping map EINVAL (as libvfio-user does)",
                        reply((q, r) -> q.command() == DMA_MAP && r.isError() ? q.errorReply(EINVAL) : r)),
                of("VU-6.2/unmap-unknown-refused", "accepts any DMA_UNMAP", errorsBecome(DMA_UNMAP, Frame::payload)),
                of(
                        "VU-6.2/dirty-bitmap-flag-refused",
                        "ignores the dirty-bitmap flag",
                        forward(q -> q.command() == DMA_UNMAP ? q.withPayload(q.putU32(4, q.u32(4) & ~1)) : q)),
                of(
                        "VU-6.1/map-unknown-flags-refused",
                        "ignores undefined DMA_MAP flags",
                        forward(q -> q.command() == DMA_MAP ? q.withPayload(q.putU32(4, q.u32(4) & 3)) : q)));
    }

    static List<Case> migrationCases() {
        return Stream.of(
                        new Object[] {"VU-7.2/probe", FakeMigration.Quirk.PROBE_NOT_ECHOED},
                        new Object[] {"VU-7.2/migration-flags", FakeMigration.Quirk.NO_STOP_COPY_FLAG},
                        new Object[] {"VU-7.2/feature-requests-refused", FakeMigration.Quirk.GET_AND_SET_ACCEPTED},
                        new Object[] {"VU-7.2/reset-to-running", FakeMigration.Quirk.RESET_KEEPS_STATE},
                        new Object[] {"VU-7.2/arcs-running-stop", FakeMigration.Quirk.STOP_TO_RUNNING_REFUSED},
                        new Object[] {"VU-7.2/arcs-stop-copy", FakeMigration.Quirk.STOP_COPY_TO_STOP_STAYS},
                        new Object[] {"VU-7.2/arcs-resuming", FakeMigration.Quirk.RESUMING_REJECTS_DATA},
                        new Object[] {"VU-7.2/arcs-pre-copy", FakeMigration.Quirk.PRE_COPY_TO_STOP_COPY_REFUSED},
                        new Object[] {"VU-7.2/combined-arcs", FakeMigration.Quirk.NO_COMBINED_ARCS},
                        new Object[] {"VU-7.2/refused-arcs", FakeMigration.Quirk.STOP_COPY_TO_PRE_COPY_ACCEPTED},
                        new Object[] {"VU-7.2/mig-data-wrong-state", FakeMigration.Quirk.READ_IN_RUNNING})
                .map(a -> new Case(
                        (String) a[0], "migration " + a[1], Fault.NONE, new FakeMigration((FakeMigration.Quirk) a[1])))
                .toList();
    }

    // ---------------------------------------------------------------- fault builders

    static Fault reply(BiFunction<Frame, Frame, Frame> f) {
        return new Fault() {
            @Override
            public List<Frame> reply(Frame q, Frame r) {
                return List.of(f.apply(q, r));
            }
        };
    }

    static Fault answer(Function<Frame, Frame> f) {
        return new Fault() {
            @Override
            public List<Frame> answer(Frame q, int nth) {
                Frame a = f.apply(q);
                return a == null ? null : List.of(a);
            }
        };
    }

    static Fault forward(UnaryOperator<Frame> f) {
        return new Fault() {
            @Override
            public Frame forward(Frame q) {
                return f.apply(q);
            }
        };
    }

    /** Error replies to {@code command} become success replies with the given payload. */
    static Fault errorsBecome(int command, Function<Frame, byte[]> payload) {
        return reply((q, r) -> q.command() == command && r.isError() ? q.reply(payload.apply(q)) : r);
    }

    static byte[] deviceInfo() {
        return Le.payload().u32(16).u32(3).u32(9).u32(5).toBytes();
    }

    static Frame defaultVersion(Frame q) {
        return q.withPayload(Negotiation.proposal(0, 0, Negotiation.PROPOSED_JSON));
    }

    static Frame withExtraCapability(Frame r) {
        String json = new String(r.payload(), 4, r.payload().length - 5, StandardCharsets.UTF_8)
                .replace("{\"capabilities\":{", "{\"capabilities\":{\"x_server_extra\":1,");
        return r.withPayload(Negotiation.proposal(Le.u16(r.payload(), 0), Le.u16(r.payload(), 2), json));
    }

    static byte[] flipData(byte[] p) {
        byte[] out = Arrays.copyOf(p, p.length);
        for (int i = 16; i < out.length; i++) {
            out[i] ^= (byte) 0xFF;
        }
        return out;
    }
}

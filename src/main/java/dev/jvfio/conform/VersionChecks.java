package dev.jvfio.conform;

import dev.jvfio.client.RawMessage;
import dev.jvfio.protocol.Command;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * VERSION negotiation (VU-3; vfio-user.rst "VFIO_USER_VERSION"), each check on a fresh
 * connection: the major and minor rules, tolerance of capability JSON the server does not know,
 * refusal of JSON that is not JSON, the subset rule, and nothing before VERSION.
 */
final class VersionChecks {
    private VersionChecks() {}

    static final String SPEC = "vfio-user.rst: VFIO_USER_VERSION";

    /** QEMU 10.2's proposal (VU-8.1), with the migration object the current specification no longer lists. */
    static final String QEMU_JSON = "{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,"
            + "\"pgsizes\":4096,\"max_dma_maps\":65535,\"migration\":{\"pgsize\":4096,\"max_bitmap_size\":"
            + "134217728},\"write_multiple\":true}}";

    static List<Check> checks() {
        return List.of(
                new Check(
                        "VU-3.2/minor-zero",
                        SPEC,
                        "VERSION 0.0 (QEMU's proposal) is answered with 0.0",
                        c -> accepted(c, 0, QEMU_JSON, 0)),
                new Check(
                        "VU-3.2/future-minor",
                        SPEC,
                        "VERSION 0.42 is answered with major 0 and a minor no higher than 42",
                        c -> accepted(c, 42, Negotiation.PROPOSED_JSON, -1)),
                new Check(
                        "VU-3.2/other-major-refused",
                        SPEC,
                        "VERSION 65535.0 is refused (error reply or hang-up), never answered with another major",
                        VersionChecks::otherMajor),
                new Check(
                        "VU-3.1/no-capabilities",
                        SPEC,
                        "VERSION without capability JSON is accepted",
                        c -> accepted(c, 0, null, 0)),
                new Check(
                        "VU-3.1/empty-capabilities",
                        SPEC,
                        "VERSION with {\"capabilities\":{}} is accepted",
                        c -> accepted(c, 0, "{\"capabilities\":{}}", 0)),
                new Check(
                        "VU-3.3/unknown-capabilities-ignored",
                        SPEC,
                        "capabilities and members the server does not know are ignored",
                        c -> accepted(
                                c,
                                0,
                                "{\"capabilities\":{\"max_msg_fds\":1,\"x_conform_unknown\":{\"a\":[1,"
                                        + "{\"b\":null}],\"c\":\"d\"},\"x_flag\":true},\"x_conform_outer\":[0.5,\"e\"]}",
                                0)),
                new Check(
                        "VU-3.1/malformed-json-refused",
                        SPEC,
                        "capability bytes that are not JSON are refused",
                        c -> refused(c, "{\"capabilities\":{\"max_msg_fds\":", "malformed JSON")),
                new Check(
                        "VU-3.1/non-object-json-refused",
                        SPEC,
                        "capability JSON that is not an object is refused",
                        c -> refused(c, "[\"capabilities\",1]", "a JSON array")),
                new Check(
                        "VU-3.2/capabilities-subset",
                        SPEC,
                        "the reply's capabilities are a subset of the proposal's",
                        VersionChecks::subset),
                new Check(
                        "VU-3.2/nothing-before-version",
                        SPEC + ", Connection Initiation",
                        "a command other than VERSION as the first message is not served",
                        VersionChecks::beforeVersion));
    }

    /** The success reply to a VERSION proposal: framing, major 0, minor rule, well-formed JSON. */
    private static VersionReply reply(Context c, int minor, String json) throws IOException {
        Negotiation.First f = c.first(Command.VERSION, Negotiation.proposal(0, minor, json));
        Verdict.require(!f.hungUp(), "the server hung up on VERSION 0." + minor);
        byte[] p = Expect.success(f.answer());
        VersionReply v = VersionReply.parse(p);
        Verdict.require(v.problems().isEmpty(), "VERSION reply: " + String.join("; ", v.problems()));
        Verdict.require(v.major() == 0, "VERSION 0." + minor + " answered with major " + v.major());
        Verdict.require(
                v.minor() <= minor,
                "VERSION 0." + minor + " answered with minor " + v.minor() + ", higher than proposed");
        return v;
    }

    private static String accepted(Context c, int minor, String json, int wantMinor) throws IOException {
        VersionReply v = reply(c, minor, json);
        if (wantMinor >= 0) {
            Verdict.require(v.minor() == wantMinor, "answered with minor " + v.minor() + ", not " + wantMinor);
        }
        return "answered " + v.major() + "." + v.minor();
    }

    private static String otherMajor(Context c) throws IOException {
        Negotiation.First f = c.first(Command.VERSION, Negotiation.proposal(0xFFFF, 0, Negotiation.PROPOSED_JSON));
        if (f.hungUp()) {
            return "hung up";
        }
        RawMessage r = f.answer().reply();
        if (Expect.isError(r)) {
            return "refused with " + Expect.errnoName(Expect.refused(f.answer(), "VERSION 65535.0"));
        }
        Expect.framing(f.answer());
        VersionReply v = VersionReply.parse(r.payload());
        Verdict.require(
                v.major() == 0xFFFF,
                "VERSION 65535.0 answered with major " + v.major() + "; the reply's major must be the proposal's");
        return "answered with major 65535";
    }

    private static String refused(Context c, String json, String what) throws IOException {
        Negotiation.First f = c.first(Command.VERSION, Negotiation.proposal(0, 0, json));
        return refusal(f, "VERSION with " + what);
    }

    /** Refused: an error reply (well formed) or a hang-up; a success reply is a FAIL. */
    static String refusal(Negotiation.First f, String request) throws IOException {
        if (f.hungUp()) {
            return "hung up";
        }
        String how = "refused with " + Expect.errnoName(Expect.refused(f.answer(), request));
        // the server hangs up or, if it keeps the connection, still wants a VERSION: nothing else comes
        List<RawMessage> more = new ArrayList<>();
        f.conversation().hangsUp(Duration.ofMillis(200), more);
        Verdict.require(more.isEmpty(), "after refusing " + request + " the server sent another message");
        return how;
    }

    private static String subset(Context c) throws IOException {
        VersionReply v = reply(c, 0, Negotiation.PROPOSED_JSON);
        List<String> extra = v.notASubset(Negotiation.PROPOSED, false);
        Verdict.require(extra.isEmpty(), "the reply announces " + String.join(", ", extra));
        return v.capabilities() == null ? "no capabilities" : "capabilities " + v.capabilities();
    }

    private static String beforeVersion(Context c) throws IOException {
        Negotiation.First f = c.first(Command.DEVICE_GET_INFO, Requests.deviceInfo());
        return refusal(f, "DEVICE_GET_INFO before VERSION");
    }
}

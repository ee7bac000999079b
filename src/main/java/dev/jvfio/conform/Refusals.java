package dev.jvfio.conform;

import dev.jvfio.os.Fd;
import dev.jvfio.protocol.Command;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Sends requests the server must refuse, one after another on one session, and checks each
 * refusal: a well-formed error reply with an errno (VU-2.2), after which the session still serves
 * (a refused request is answered, not the end of the connection). Collects the errnos for the
 * PASS line.
 */
final class Refusals {
    private final Conversation session;
    private final TreeSet<String> errnos = new TreeSet<>();
    private int count;

    Refusals(Conversation session) {
        this.session = session;
    }

    /** {@code what} describes the request for the FAIL line, e.g. "REGION_READ past the end of region 7". */
    Refusals expect(int command, byte[] payload, String what) throws IOException {
        return expect(command, payload, List.of(), what);
    }

    Refusals expect(int command, byte[] payload, List<Fd> fds, String what) throws IOException {
        errnos.add(Expect.errnoName(Expect.refused(session.call(command, payload, fds), what)));
        count++;
        stillServes(what);
        return this;
    }

    /** A request whose payload is cut to {@code keep} bytes. */
    Refusals truncated(int command, byte[] payload, int keep, String what) throws IOException {
        return expect(command, Arrays.copyOf(payload, keep), what + " cut to " + keep + " payload bytes");
    }

    private void stillServes(String after) throws IOException {
        try {
            Expect.success(session.call(Command.DEVICE_GET_INFO, Requests.deviceInfo()), 16, "vfio_device_info");
        } catch (Verdict.Failed e) {
            throw Verdict.fail("after refusing " + after + ", DEVICE_GET_INFO: " + e.getMessage());
        } catch (EOFException e) {
            throw Verdict.fail("after refusing " + after + " the server hung up");
        }
    }

    String summary() {
        return count + " refused with " + String.join(", ", errnos);
    }
}

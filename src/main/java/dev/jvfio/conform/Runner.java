package dev.jvfio.conform;

import dev.jvfio.os.NativeException;
import dev.jvfio.protocol.Command;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs checks against one server: discovers the device's facts on a session of its own, runs each
 * check on its own connections (so one check's failure cannot leave state behind for the next),
 * then resets the device on a last session, so the server is left no worse than it was found.
 */
public final class Runner {
    private Runner() {}

    /** The server cannot be talked to at all: no socket, nobody listening, or another client attached. */
    public static final class Unreachable extends IOException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Runs {@code checks} in order, reporting each outcome to {@code progress} as it is known. */
    public static Report run(Settings settings, List<Check> checks, Consumer<Report.Outcome> progress)
            throws Unreachable {
        Facts facts = null;
        String noFacts = null;
        try (Conversation c = Negotiation.open(settings.socket(), settings.timeout(), settings.busy())) {
            facts = Discovery.discover(c);
        } catch (NativeException e) {
            throw new Unreachable("cannot connect to " + settings.socket() + ": " + e.getMessage(), e);
        } catch (Negotiation.Busy e) {
            throw new Unreachable(settings.socket() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            noFacts = e.getMessage();
        } catch (Verdict.Failed e) {
            noFacts = e.getMessage();
        }
        List<Report.Outcome> outcomes = new ArrayList<>();
        for (Check check : checks) {
            Result r = run(check, new Context(settings, facts, noFacts));
            Report.Outcome o = new Report.Outcome(check.id(), check.spec(), check.title(), r.status(), r.reason());
            outcomes.add(o);
            progress.accept(o);
        }
        return new Report(settings.socket().toString(), List.copyOf(outcomes), cleanup(settings, facts));
    }

    static Result run(Check check, Context context) {
        try (context) {
            return Result.pass(check.body().run(context));
        } catch (Verdict.Failed e) {
            return Result.fail(e.getMessage());
        } catch (Verdict.Skipped e) {
            return Result.skip(e.getMessage());
        } catch (EOFException e) {
            return Result.fail("the server hung up: " + e.getMessage());
        } catch (IOException e) {
            return Result.fail(e.getMessage());
        } catch (Exception e) {
            return Result.fail("the check could not finish: " + e);
        }
    }

    /** DEVICE_RESET on a last session, if the device supports it (VU-4.1 flag RESET). */
    static String cleanup(Settings settings, Facts facts) {
        if (facts != null && !facts.resets()) {
            return "no DEVICE_RESET: the device does not advertise reset";
        }
        try (Conversation c = Negotiation.open(settings.socket(), settings.timeout(), settings.busy())) {
            int id = c.send(Command.DEVICE_RESET, new byte[0]);
            Expect.success(new Conversation.Exchange(id, Command.DEVICE_RESET, c.receive(settings.reset())));
            return "DEVICE_RESET done";
        } catch (IOException | Verdict.Failed e) {
            return "DEVICE_RESET at the end failed: " + e.getMessage();
        }
    }
}

package dev.jvfio.conform;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one check runs with: the settings, the device's {@link Facts} (if discovery got them) and
 * connections of its own, all closed when the check ends, so that whatever it mapped or assigned
 * is released by the server (VU-1.4) whatever the check's outcome.
 */
final class Context implements AutoCloseable {
    private final Settings settings;
    private final Facts facts;
    private final String noFacts;
    private final List<Conversation> open = new ArrayList<>();

    Context(Settings settings, Facts facts, String noFacts) {
        this.settings = settings;
        this.facts = facts;
        this.noFacts = noFacts;
    }

    Settings settings() {
        return settings;
    }

    /** The device's description; the check is skipped without it. */
    Facts facts() {
        if (facts == null) {
            throw Verdict.skip("needs the device's description, which discovery could not get: " + noFacts);
        }
        return facts;
    }

    /** The migration facts of a device that advertises migration; the check is skipped otherwise. */
    Facts.Migration migration() {
        Facts.Migration m = facts().migration();
        if (!m.advertised()) {
            throw Verdict.skip(m.why());
        }
        return m;
    }

    /** A negotiated session of its own (VERSION 0.0 already exchanged). */
    Conversation session() throws IOException {
        return session(Negotiation.PROPOSED_JSON);
    }

    /** A negotiated session whose VERSION proposal carries {@code json}. */
    Conversation session(String json) throws IOException {
        try {
            Conversation c = Negotiation.open(settings.socket(), settings.timeout(), settings.busy(), json);
            open.add(c);
            return c;
        } catch (IOException e) {
            throw Verdict.fail("could not open a session: " + e.getMessage());
        }
    }

    /** A fresh connection whose first message is {@code payload} with {@code command}. */
    Negotiation.First first(int command, byte[] payload) throws IOException {
        Negotiation.First f =
                Negotiation.first(settings.socket(), settings.timeout(), settings.busy(), command, payload);
        open.add(f.conversation());
        if (!f.hungUp() && Negotiation.isBusy(f.answer().reply())) {
            throw Verdict.fail(new Negotiation.Busy().getMessage());
        }
        return f;
    }

    @Override
    public void close() {
        for (Conversation c : open) {
            c.close();
        }
        open.clear();
    }
}

package dev.jvfio.conform;

import dev.jvfio.client.RawMessage;
import dev.jvfio.device.Errno;
import dev.jvfio.protocol.Command;

/**
 * The judgement of one reply against the request it answers (VU-2.1, VU-2.2): a reply type, the
 * request's msg id and command echoed, no flag bits the header does not define, and then either a
 * success (payload returned to the caller) or an error reply: the header alone, with the error bit
 * and a Linux errno. Anything else is a FAIL naming what came instead.
 */
final class Expect {
    private Expect() {}

    /** The payload of a successful reply to {@code x}, which must carry no fds. */
    static byte[] success(Conversation.Exchange x) {
        return success(x, 0);
    }

    /** The payload of a successful reply carrying at most {@code maxFds} fds. */
    static byte[] success(Conversation.Exchange x, int maxFds) {
        RawMessage r = x.reply();
        framing(x);
        if (isError(r)) {
            throw Verdict.fail(what(x) + " was refused with " + errnoName(r.error()));
        }
        Verdict.require(
                r.fds().size() <= maxFds, what(x) + " reply carries " + r.fds().size() + " fds");
        return r.payload();
    }

    /** A successful reply of exactly {@code payload} bytes. */
    static byte[] success(Conversation.Exchange x, int payload, String layout) {
        byte[] p = success(x);
        Verdict.require(
                p.length == payload,
                what(x) + " reply has a " + p.length + "-byte payload; " + layout + " is " + payload + " bytes");
        return p;
    }

    /** The errno of the error reply that must answer {@code x}. */
    static int refused(Conversation.Exchange x, String request) {
        RawMessage r = x.reply();
        framing(x);
        if (!isError(r)) {
            throw Verdict.fail(request + " was accepted (" + what(x) + " success reply)");
        }
        errorReply(x);
        return r.error();
    }

    /** The form of an error reply (VU-2.2): header only, a real errno, no fds. */
    static void errorReply(Conversation.Exchange x) {
        RawMessage r = x.reply();
        Verdict.require(
                r.payload().length == 0,
                what(x) + " error reply carries a " + r.payload().length
                        + "-byte payload; an error reply is the header alone");
        Verdict.require(
                r.error() > 0 && r.error() <= Spec.MAX_ERRNO,
                what(x) + " error reply has errno " + Integer.toUnsignedString(r.error()) + ", not a Linux errno");
        Verdict.require(
                r.fds().isEmpty(), what(x) + " error reply carries " + r.fds().size() + " fds");
    }

    /** Reply type, msg id and command echoed, only defined flag bits (VU-2.1, VU-2.2). */
    static void framing(Conversation.Exchange x) {
        RawMessage r = x.reply();
        Verdict.require(
                (r.flags() & Spec.TYPE_MASK) == Spec.TYPE_REPLY,
                "the answer to " + Command.name(x.command()) + " is not marked as a reply (flags 0x"
                        + Integer.toHexString(r.flags()) + ")");
        Verdict.require(
                r.id() == x.id(),
                "the " + Command.name(x.command()) + " reply carries msg id " + r.id() + "; the request had " + x.id());
        Verdict.require(
                r.command() == x.command(),
                "the reply to msg id " + x.id() + " names command " + Command.name(r.command()) + "; the request was "
                        + Command.name(x.command()));
        Verdict.require(
                (r.flags() & ~(Spec.TYPE_MASK | Spec.ERROR)) == 0,
                what(x) + " reply has flag bits 0x" + Integer.toHexString(r.flags() & ~(Spec.TYPE_MASK | Spec.ERROR))
                        + " a reply does not define");
    }

    static boolean isError(RawMessage r) {
        return (r.flags() & Spec.ERROR) != 0;
    }

    static String what(Conversation.Exchange x) {
        return Command.name(x.command());
    }

    static String errnoName(int errno) {
        return Errno.name(errno);
    }
}

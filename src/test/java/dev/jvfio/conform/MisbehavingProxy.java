package dev.jvfio.conform;

import dev.jvfio.os.Fd;
import dev.jvfio.transport.SocketAccess;
import dev.jvfio.transport.UnixConnection;
import dev.jvfio.transport.UnixServerSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deliberately broken vfio-user server for tests: it listens on a socket of its own and relays
 * every client connection, message by message, to a real (conforming) server, letting one
 * {@link Fault} change what goes either way; a {@link FakeMigration}, if given, answers the
 * migration commands the real server does not implement. With {@link Fault#NONE} and a correct
 * fake the relayed server conforms, so whatever check fails through it failed because of the fault.
 */
final class MisbehavingProxy implements AutoCloseable {
    private final UnixServerSocket listener;
    private final Path upstream;
    private final Fault fault;
    private final FakeMigration migration;
    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentLinkedQueue<UnixConnection> open = new ConcurrentLinkedQueue<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private MisbehavingProxy(UnixServerSocket listener, Path upstream, Fault fault, FakeMigration migration) {
        this.listener = listener;
        this.upstream = upstream;
        this.fault = fault;
        this.migration = migration;
        this.acceptor = Thread.ofPlatform().daemon().name("misbehaving proxy").unstarted(this::accept);
    }

    static MisbehavingProxy start(Path socket, Path upstream, Fault fault, FakeMigration migration) throws IOException {
        MisbehavingProxy p = new MisbehavingProxy(
                UnixServerSocket.listen(socket, SocketAccess.ownerOnly()), upstream, fault, migration);
        p.acceptor.start();
        return p;
    }

    Path socket() {
        return listener.path();
    }

    private void accept() {
        while (!closed) {
            try {
                UnixConnection client = listener.accept();
                int n = connections.incrementAndGet();
                open.add(client);
                Thread.ofPlatform().daemon().name("proxy connection " + n).start(() -> relay(client, n));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(UnixConnection client, int n) {
        Fault f = n >= fault.from() ? fault : Fault.NONE;
        try (client;
                UnixConnection server = UnixConnection.connect(upstream)) {
            open.add(server);
            for (int nth = 1; ; nth++) {
                Frame request = Frame.read(client);
                if (request == null) {
                    return;
                }
                if (request.size() < 16) {
                    List<Frame> answers = f.badHeader(request);
                    sendAll(client, answers);
                    if (answers.stream().allMatch(Frame::isError)) {
                        return;
                    }
                    continue;
                }
                List<Frame> answers = f.answer(request, nth);
                if (answers == null && migration != null) {
                    answers = migration.answer(request);
                }
                if (answers != null) {
                    request.fds().forEach(Fd::close);
                    sendAll(client, answers);
                    continue;
                }
                Frame forwarded = f.forward(request);
                forwarded.send(server);
                request.fds().forEach(Fd::close);
                if (forwarded.noReply()) {
                    continue;
                }
                Frame reply = Frame.read(server);
                if (reply == null) {
                    return;
                }
                sendAll(client, f.reply(request, reply));
            }
        } catch (IOException | RuntimeException e) {
            // the client or the server went away: so does this relay
        }
    }

    private static void sendAll(UnixConnection client, List<Frame> frames) throws IOException {
        for (Frame out : frames) {
            out.send(client);
            out.fds().forEach(Fd::close);
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.close();
        open.forEach(UnixConnection::shutdown);
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        open.forEach(UnixConnection::close);
    }
}

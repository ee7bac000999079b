package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The child processes of one run (servers and echo children) and their sockets in the run's
 * temporary directory: started as production starts jvfio, awaited until they answer, stopped.
 */
final class Children {
    private final BenchOptions o;
    private final Path dir;
    private final boolean pinned;
    private final List<ChildJvm> children = new ArrayList<>();
    private int logs;

    Children(BenchOptions options, Path dir, boolean pinned) {
        this.o = options;
        this.dir = dir;
        this.pinned = pinned;
    }

    List<Path> sockets(String prefix) {
        return sockets(prefix, o.clients());
    }

    List<Path> sockets(String prefix, int count) {
        List<Path> s = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            s.add(dir.resolve(prefix + "-" + i + ".sock"));
        }
        return s;
    }

    ChildJvm child(String what, String mainClass, List<String> args) throws IOException {
        Path log = dir.resolve(what + "-" + (logs++) + ".log");
        ChildJvm c = ChildJvm.start(what, mainClass, args, o.serverJavaOptions(), pinned, log);
        synchronized (children) {
            children.add(c);
        }
        return c;
    }

    ChildJvm serveConfig(String what, String json) throws IOException {
        Path config = dir.resolve(what + "-" + logs + ".json");
        Files.writeString(config, json);
        return child(what, Bench.SERVE_MAIN, List.of("serve", "--config", config.toString()));
    }

    ChildJvm serve(String what, List<String> profileArgs, List<Path> sockets) throws IOException {
        List<String> args = new ArrayList<>();
        args.add("serve");
        args.addAll(profileArgs);
        for (Path s : sockets) {
            args.add("--socket");
            args.add(s.toString());
        }
        return child(what, Bench.SERVE_MAIN, args);
    }

    /** Connects a client to every socket as soon as it answers (VERSION negotiated). */
    List<VfioUserClient> awaitServe(ChildJvm child, List<Path> sockets) throws IOException {
        List<VfioUserClient> clients = new ArrayList<>();
        try {
            for (Path s : sockets) {
                clients.add(await(child, s, VfioUserClient::connect));
            }
            return clients;
        } catch (IOException | RuntimeException e) {
            Bench.closeAll(clients);
            stop(child);
            throw e;
        }
    }

    EchoLane awaitEcho(ChildJvm child, List<Path> sockets) throws IOException {
        for (Path s : sockets.subList(0, sockets.size() - 1)) {
            await(child, s, p -> EchoLane.open(p, 8, 8, false)).close();
        }
        EchoLane lane = await(child, sockets.getLast(), p -> EchoLane.open(p, 8, 8, false));
        lane.run(); // ready means answering
        return lane;
    }

    interface Connector<T> {
        T connect(Path socket) throws IOException;
    }

    static <T> T await(ChildJvm child, Path socket, Connector<T> connector) throws IOException {
        long deadline = System.nanoTime() + Bench.READY_TIMEOUT.toNanos();
        while (true) {
            child.checkAlive();
            if (Files.exists(socket)) {
                try {
                    return connector.connect(socket);
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(child + " did not answer on " + socket + " within "
                        + Bench.READY_TIMEOUT.toSeconds() + " s: " + child.logTail());
            }
            LockSupport.parkNanos(200_000);
        }
    }

    void stop(ChildJvm c) {
        if (c != null) {
            c.close();
            synchronized (children) {
                children.remove(c);
            }
        }
    }

    void killChildren() {
        synchronized (children) {
            for (ChildJvm c : children) {
                c.close();
            }
        }
    }
}

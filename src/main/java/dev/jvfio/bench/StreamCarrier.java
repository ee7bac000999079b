package dev.jvfio.bench;

import dev.jvfio.client.ClientMigration;
import dev.jvfio.client.VfioUserException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Carries a device state stream from a source to a destination as a VMM does: the source side
 * reads (MIG_DATA_READ) while the destination side writes (MIG_DATA_WRITE) what was read before,
 * so neither server waits for the other. A VMM's two sides are two hosts joined by its migration
 * channel; here they are two threads joined by a few buffers.
 */
final class StreamCarrier implements AutoCloseable {
    /** Buffers in flight between the two sides. */
    private static final int DEPTH = 4;

    private final Arena arena = Arena.ofShared();
    private final BlockingQueue<MemorySegment> free = new ArrayBlockingQueue<>(DEPTH);
    private final int chunk;

    StreamCarrier(int chunk) {
        this.chunk = chunk;
        for (int i = 0; i < DEPTH; i++) {
            free.add(arena.allocate(chunk, 4096));
        }
    }

    /** One read's bytes on their way, or the end of this carry (length -1), or a failure. */
    private record Piece(MemorySegment buffer, int length, Exception failure) {}

    /**
     * Carries until the source says so: in PRE_COPY until a read returns 0 ("nothing more for
     * now"), with {@code toEnd} until a short read (the end of the stream). Returns the bytes
     * carried.
     */
    long carry(ClientMigration src, ClientMigration dst, boolean toEnd) throws IOException, VfioUserException {
        BlockingQueue<Piece> full = new ArrayBlockingQueue<>(DEPTH + 1);
        Thread reader = Thread.ofPlatform().name("bench-migration-read").start(() -> {
            try {
                while (true) {
                    MemorySegment b = free.take();
                    int n = src.read(b);
                    if (n > 0) {
                        full.put(new Piece(b, n, null));
                    } else {
                        free.put(b);
                    }
                    if (n == 0 || (toEnd && n < chunk)) {
                        full.put(new Piece(null, -1, null));
                        return;
                    }
                }
            } catch (InterruptedException e) {
                full.offer(new Piece(null, -1, e));
            } catch (IOException | VfioUserException | RuntimeException e) {
                full.offer(new Piece(null, -1, e));
            }
        });
        long total = 0;
        try {
            while (true) {
                Piece p = full.take();
                if (p.failure() != null) {
                    throw new IOException(
                            "reading the source's stream: " + p.failure().getMessage(), p.failure());
                }
                if (p.length() < 0) {
                    return total;
                }
                dst.write(p.buffer().asSlice(0, p.length()));
                total += p.length();
                free.put(p.buffer());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            reader.interrupt();
            joinQuietly(reader);
        }
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}

package dev.jvfio.bench;

import dev.jvfio.device.VfioException;
import java.io.IOException;

/** One unit of work a benchmark lane repeats: a round trip, a chunk transfer, a chunk copy. */
@FunctionalInterface
interface Op {
    void run() throws IOException, VfioException;
}

package dev.jvfio.pci;

import dev.jvfio.os.Fd;
import java.io.IOException;

/** Fires one interrupt by writing to the vector's eventfd (the default uses dev.jvfio.os.EventFd). */
@FunctionalInterface
public interface InterruptSignal {
    void signal(Fd eventfd) throws IOException;
}

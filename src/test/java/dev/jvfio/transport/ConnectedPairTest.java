package dev.jvfio.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Base of the tests that need two connected ends of one AF_UNIX stream (socketpair): a and b. */
abstract class ConnectedPairTest {
    protected UnixConnection a;
    protected UnixConnection b;

    @BeforeEach
    void pair() throws Exception {
        UnixConnection[] p = UnixConnection.pair();
        a = p[0];
        b = p[1];
    }

    @AfterEach
    void closePair() {
        a.close();
        b.close();
    }
}

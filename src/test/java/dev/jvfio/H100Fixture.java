package dev.jvfio;

import java.io.IOException;
import java.io.InputStream;

/** A real H100's config space as a guest saw it (see h100-config.README.md beside it in the test resources). */
public final class H100Fixture {
    public static final String RESOURCE = "/dev/jvfio/h100-config.bin";

    private H100Fixture() {}

    /** The 4096 bytes of the dump. */
    public static byte[] configSpace() throws IOException {
        try (InputStream in = H100Fixture.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("test resource " + RESOURCE + " missing");
            }
            return in.readAllBytes();
        }
    }
}

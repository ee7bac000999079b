package dev.jvfio.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The JSON form of {@code -device vfio-user-pci}: its {@code socket} property is a QAPI
 * SocketAddress, which only the JSON device syntax can express (VU-8.2, hw/vfio-user/pci.c).
 */
public final class VfioUserPciJson {
    /** jackson-core's generator, not databind: this runs on the way to serving (startup time). */
    private static final JsonFactory JSON = new JsonFactory();

    private VfioUserPciJson() {}

    /** {@code {"driver":"vfio-user-pci","id":ID,"bus":BUS,"addr":"0","socket":{...}}}; id/bus may be null. */
    public static String device(Path socket, String id, String bus) {
        StringWriter text = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(text)) {
            g.writeStartObject();
            g.writeStringField("driver", "vfio-user-pci");
            if (id != null) g.writeStringField("id", id);
            if (bus != null) {
                g.writeStringField("bus", bus);
                g.writeStringField("addr", "0"); // NV-8.5: the guest GPU driver needs devfn 0
            }
            g.writeObjectFieldStart("socket");
            g.writeStringField("path", socket.toString());
            g.writeStringField("type", "unix");
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return text.toString();
    }

    /** The whole option, quoted for a shell: {@code -device '{...}'}. */
    public static String option(Path socket) {
        return new QemuOption("-device", device(socket, null, null)).shell();
    }
}

package dev.jvfio.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * The JSON form of {@code -device vfio-user-pci}: its {@code socket} property is a QAPI
 * SocketAddress, which only the JSON device syntax can express (VU-8.2, hw/vfio-user/pci.c).
 */
public final class VfioUserPciJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private VfioUserPciJson() {}

    /** {@code {"driver":"vfio-user-pci","id":ID,"bus":BUS,"addr":"0","socket":{...}}}; id/bus may be null. */
    public static String device(Path socket, String id, String bus) {
        ObjectNode dev = JSON.createObjectNode();
        dev.put("driver", "vfio-user-pci");
        if (id != null) dev.put("id", id);
        if (bus != null) {
            dev.put("bus", bus);
            dev.put("addr", "0"); // NV-8.5: the guest GPU driver needs devfn 0
        }
        ObjectNode sock = dev.putObject("socket");
        sock.put("path", socket.toString());
        sock.put("type", "unix");
        return dev.toString();
    }

    /** The whole option, quoted for a shell: {@code -device '{...}'}. */
    public static String option(Path socket) {
        return new QemuOption("-device", device(socket, null, null)).shell();
    }
}

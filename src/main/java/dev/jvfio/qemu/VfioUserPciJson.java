package dev.jvfio.qemu;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON form of {@code -device vfio-user-pci}: its {@code socket} property is a QAPI
 * SocketAddress, which only the JSON device syntax can express (VU-8.2, hw/vfio-user/pci.c).
 */
public final class VfioUserPciJson {
    private VfioUserPciJson() {}

    /** {@code {"driver":"vfio-user-pci","id":ID,"bus":BUS,"addr":"0","socket":{...}}}; id/bus may be null. */
    public static String device(Path socket, String id, String bus) {
        Map<String, Object> dev = new LinkedHashMap<>();
        dev.put("driver", "vfio-user-pci");
        if (id != null) dev.put("id", id);
        if (bus != null) {
            dev.put("bus", bus);
            dev.put("addr", "0"); // NV-8.5: the guest GPU driver needs devfn 0
        }
        Map<String, Object> address = new LinkedHashMap<>();
        address.put("path", socket.toString());
        address.put("type", "unix");
        dev.put("socket", address);
        return QemuJson.object(dev);
    }

    /** The whole option, quoted for a shell: {@code -device '{...}'}. */
    public static String option(Path socket) {
        return new QemuOption("-device", device(socket, null, null)).shell();
    }
}

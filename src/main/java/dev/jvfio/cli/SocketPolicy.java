package dev.jvfio.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may connect to the served sockets (VU-1.3: the socket file's permissions are the only access
 * control vfio-user has). By default mode 0600 and only this user and root; {@code --socket-group}
 * opens the file to a group (mode 0660) and {@code --allow-uid} lets other users' processes (QEMU
 * running as {@code qemu}, say) past the server's peer-credential check.
 *
 * @param groupId  group of the socket files, or null to keep ours (mode 0600)
 * @param extraUids peer uids allowed besides this process's uid and root
 */
public record SocketPolicy(Integer groupId, Set<Integer> extraUids) {
    public SocketPolicy {
        extraUids = Set.copyOf(extraUids);
    }

    public static SocketPolicy ownerOnly() {
        return new SocketPolicy(null, Set.of());
    }

    /** From the command-line texts: a group name or number, and uids. */
    static SocketPolicy of(String group, List<Integer> uids) {
        for (int uid : uids) {
            if (uid < 0) throw new UsageError("--allow-uid: " + uid + " is not a uid");
        }
        return new SocketPolicy(group == null ? null : groupId(group, Path.of("/etc/group")), new TreeSet<>(uids));
    }

    static int groupId(String group, Path groupFile) {
        if (group.matches("\\d{1,9}")) return Integer.parseInt(group);
        try {
            for (String line : Files.readAllLines(groupFile)) {
                String[] f = line.split(":", -1);
                if (f.length >= 3 && f[0].equals(group) && f[2].matches("\\d{1,9}")) return Integer.parseInt(f[2]);
            }
        } catch (IOException e) {
            throw new UsageError("--socket-group: cannot read " + groupFile + " to look up '" + group + "'; give the number");
        }
        throw new UsageError("--socket-group: no group named '" + group + "' in " + groupFile);
    }
}

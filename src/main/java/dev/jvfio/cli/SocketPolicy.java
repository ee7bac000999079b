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
 * opens the file to a group (mode 0660), {@code --allow-uid} lets other users' processes (QEMU
 * running as {@code qemu}, say) past the server's peer-credential check, and {@code --allow-group}
 * lets in every process in a group (QEMU under libvirt on Debian is in {@code kvm}), whatever its uid.
 *
 * @param groupId  group of the socket files, or null to keep ours (mode 0600)
 * @param extraUids peer uids allowed besides this process's uid and root
 * @param extraGids peers in these groups (primary or supplementary) are allowed too
 */
public record SocketPolicy(Integer groupId, Set<Integer> extraUids, Set<Integer> extraGids) {
    public SocketPolicy {
        extraUids = Set.copyOf(extraUids);
        extraGids = Set.copyOf(extraGids);
    }

    public static SocketPolicy ownerOnly() {
        return new SocketPolicy(null, Set.of(), Set.of());
    }

    /** From the command-line texts: a group name or number, and uids. */
    static SocketPolicy of(String group, List<Integer> uids) {
        return of(group, uids, List.of());
    }

    /** From the command-line texts: a group name or number, uids, and groups (names or numbers). */
    static SocketPolicy of(String group, List<Integer> uids, List<String> groups) {
        for (int uid : uids) {
            if (uid < 0) throw new UsageError("--allow-uid: " + uid + " is not a uid");
        }
        Path groupFile = Path.of("/etc/group");
        Set<Integer> gids = new TreeSet<>();
        for (String g : groups) gids.add(groupId("--allow-group", g, groupFile));
        return new SocketPolicy(
                group == null ? null : groupId("--socket-group", group, groupFile), new TreeSet<>(uids), gids);
    }

    static int groupId(String group, Path groupFile) {
        return groupId("--socket-group", group, groupFile);
    }

    static int groupId(String option, String group, Path groupFile) {
        if (group.matches("\\d{1,9}")) return Integer.parseInt(group);
        try {
            for (String line : Files.readAllLines(groupFile)) {
                String[] f = line.split(":", -1);
                if (f.length >= 3 && f[0].equals(group) && f[2].matches("\\d{1,9}")) return Integer.parseInt(f[2]);
            }
        } catch (IOException e) {
            throw new UsageError(
                    option + ": cannot read " + groupFile + " to look up '" + group + "'; give the number");
        }
        throw new UsageError(option + ": no group named '" + group + "' in " + groupFile);
    }
}

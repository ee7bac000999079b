package dev.jvfio.transport;

/**
 * Who may connect to a listening socket: AF_UNIX access control is the socket file's permission
 * bits (connect needs write permission on it) and its group.
 *
 * @param mode    permission bits of the socket file, e.g. 0600 (owner only) or 0660 (owner and group)
 * @param groupId group to give the socket file, or null to keep the creating process's group
 */
public record SocketAccess(int mode, Integer groupId) {
    public SocketAccess {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("socket mode must be permission bits within 0777, not 0"
                    + Integer.toOctalString(mode));
        }
        if (groupId != null && groupId < 0) {
            throw new IllegalArgumentException("negative group id " + groupId);
        }
    }

    /** Mode 0600, group unchanged: only the server's own user (and root) may connect. */
    public static SocketAccess ownerOnly() {
        return new SocketAccess(0600, null);
    }

    /** Mode 0660 with the given group: members of the group may connect too. */
    public static SocketAccess group(int groupId) {
        return new SocketAccess(0660, groupId);
    }
}

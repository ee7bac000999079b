package dev.jvfio.transport;

/**
 * Who may connect to a listening socket: AF_UNIX access control is the socket file's permission
 * bits (connect needs write permission on it) and its group (VU-1.3).
 *
 * @param mode    permission bits of the socket file, e.g. 0600 (owner only) or 0660 (owner and group)
 * @param groupId group to give the socket file, or null to keep the creating process's group
 */
public record SocketAccess(int mode, Integer groupId) {
    /** Checks that {@code mode} holds only permission bits and {@code groupId} is not negative. */
    public SocketAccess {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException(
                    "socket mode must be permission bits within 0777, not 0" + Integer.toOctalString(mode));
        }
        if (groupId != null && groupId < 0) {
            throw new IllegalArgumentException("negative group id " + groupId);
        }
    }

    /**
     * Mode 0600, group unchanged: only the server's own user (and root) may connect.
     *
     * @return the owner-only access
     */
    public static SocketAccess ownerOnly() {
        return new SocketAccess(0600, null);
    }

    /**
     * Mode 0660 with the given group: members of the group may connect too.
     *
     * @param groupId the group to give the socket file
     * @return the owner-and-group access
     */
    public static SocketAccess group(int groupId) {
        return new SocketAccess(0660, groupId);
    }
}

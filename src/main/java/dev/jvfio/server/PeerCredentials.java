package dev.jvfio.server;

/**
 * Who connected to a {@link VfioUserServer}: the client process as the kernel recorded it at
 * connect time (SO_PEERCRED), which the server checks against {@link ServerOptions#allowedUids()}
 * (VU-1.3).
 *
 * @param pid process id of the client
 * @param uid user id of the client
 * @param gid group id of the client
 */
public record PeerCredentials(int pid, int uid, int gid) {}

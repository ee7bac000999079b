package dev.jvfio.transport;

/**
 * Who is at the other end of a UNIX socket, as the kernel recorded it at connect time
 * (SO_PEERCRED); a server checks the uid against the users it allows (VU-1.3).
 *
 * @param pid process id of the peer
 * @param uid user id of the peer
 * @param gid group id of the peer
 */
public record PeerCredentials(int pid, int uid, int gid) {}

/**
 * A Java vfio-user client ({@link dev.jvfio.client.VfioUserClient}) for tests, the inspector and
 * the benchmarks: one request in flight at a time, errno errors as
 * {@link dev.jvfio.client.VfioUserException}, plus raw send/receive for fuzzing.
 */
package dev.jvfio.client;

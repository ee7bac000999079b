/**
 * Internal, not exported: the one {@code java.lang.foreign} linker and errno capture that the C
 * library calls of {@code dev.jvfio.os} and the socket calls of the transport layer go through.
 */
package dev.jvfio.linker;

/**
 * Internal, not exported: what {@code /proc} says about this process (resident memory, open file
 * descriptors, the size of the user address space), for the server's DMA budgets, the fuzzer and
 * tests.
 */
package dev.jvfio.procfs;

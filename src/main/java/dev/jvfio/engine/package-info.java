/**
 * A DMA copy engine a PCI device model can embed ({@code docs/dma-engine.md}): one block of
 * registers that moves data between client memory and the device's own memory on a worker thread of
 * its own, reports STATUS and raises a completion interrupt.
 *
 * <p>Entry point: {@link dev.jvfio.engine.CopyEngine#of}, given the function and its device memory,
 * then {@link dev.jvfio.engine.CopyEngine#read32} and {@link dev.jvfio.engine.CopyEngine#write} from
 * the BAR backing that holds the block. The sample device and the simulated GPU both carry one.
 *
 * <p>Guarantees (VU-8.5, VU-6): a copy starts only after the doorbell's reply, through
 * {@link dev.jvfio.device.DmaSpace#afterReply}; it moves {@link dev.jvfio.engine.CopyEngine#CHUNK}
 * bytes per call, so a DMA_UNMAP or a reset waits for one chunk at most; a reset or Bus Master off
 * stops it between chunks.
 */
package dev.jvfio.engine;

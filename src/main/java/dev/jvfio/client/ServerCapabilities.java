package dev.jvfio.client;

import dev.jvfio.protocol.Capabilities;

/**
 * What the server announced in its VERSION reply (VU-3.3), with the spec's defaults for what it
 * left out.
 *
 * @param maxMsgFds       file descriptors the server accepts in one message
 * @param maxDataXferSize largest data count of one REGION_READ/WRITE the server accepts
 * @param maxDmaMaps      DMA windows the server lets this client hold at once
 * @param pgsizes         page sizes (or'ed) the server requires of DMA_MAP
 * @param writeMultiple   whether the server accepts REGION_WRITE_MULTI
 * @param migration       whether the server announced migration support
 */
public record ServerCapabilities(
        long maxMsgFds, long maxDataXferSize, long maxDmaMaps, long pgsizes, boolean writeMultiple, boolean migration) {

    /** The decoded VERSION capabilities as the client's public view. */
    static ServerCapabilities of(Capabilities c) {
        return new ServerCapabilities(
                c.maxMsgFds(), c.maxDataXferSize(), c.maxDmaMaps(), c.pgsizes(), c.writeMultiple(), c.migration());
    }
}

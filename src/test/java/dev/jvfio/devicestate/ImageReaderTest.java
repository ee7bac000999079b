package dev.jvfio.devicestate;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The two ways a saving stream reads device memory (a mapping kept for the stream, positional reads
 * where mapping fails) give the same bytes and the same chunk digests, holes as zeros, and reading
 * through the mapping never fills a hole.
 */
class ImageReaderTest {
    static final long CHUNK = StreamFormat.CHUNK;

    @Test
    @DisplayName("MIG-1.6 mapped and positional reads give equal digests over extents and holes, and fill no hole")
    void mig1_6_mappedEqualsPositional() throws Exception {
        try (MemoryFile m = new MemoryFile(8 * CHUNK);
                Arena arena = Arena.ofConfined()) {
            m.fill(4096, 3 * 4096, 1); // a chunk with holes around its data
            m.fill(2 * CHUNK, CHUNK, 2); // a dense chunk
            m.fill(4 * CHUNK + CHUNK / 2, 8192, 3);
            var before = m.fingerprint();
            MemorySegment scratch = arena.allocate(64 << 10, 4096);
            MemorySegment a = arena.allocate(8192);
            MemorySegment b = arena.allocate(8192);
            try (ImageReader mapped = ImageReader.of(m.image());
                    ImageReader positional = ImageReader.positional(m.image())) {
                Extents extents = new Extents(m.image());
                for (int chunk = 0; chunk < 8; chunk++) {
                    long start = chunk * CHUNK;
                    long[] e = extents.inChunk(start, (int) CHUNK);
                    CRC32C x = new CRC32C();
                    CRC32C y = new CRC32C();
                    mapped.digest(x, start, CHUNK, e, scratch);
                    positional.digest(y, start, CHUNK, e, scratch);
                    CRC32C whole = new CRC32C();
                    for (long at = 0; at < CHUNK; at += scratch.byteSize()) {
                        m.image().read(start + at, scratch);
                        whole.update(scratch.asByteBuffer());
                    }
                    assertThat(x.getValue())
                            .as("chunk %d", chunk)
                            .isEqualTo(y.getValue())
                            .isEqualTo(whole.getValue());
                }
                mapped.read(2 * CHUNK + 4096, a);
                positional.read(2 * CHUNK + 4096, b);
                assertThat(a.mismatch(b)).isEqualTo(-1L);
            }
            assertThat(m.fingerprint()).as("extents after reading").isEqualTo(before);
        }
    }
}

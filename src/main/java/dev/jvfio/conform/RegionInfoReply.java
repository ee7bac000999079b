package dev.jvfio.conform;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A DEVICE_GET_REGION_INFO reply payload as a hostile client reads it (VU-4.2, VU-4.3): the 32-byte
 * {@code vfio_region_info}, then, when the reply is complete, the capability chain. Every header
 * and body must lie inside the payload and the chain must end; {@link #problems()} says what does
 * not hold.
 */
record RegionInfoReply(
        long argsz,
        int flags,
        long index,
        long capOffset,
        long size,
        long offset,
        List<Area> areas,
        boolean sparse,
        boolean typed,
        List<String> problems) {

    /** One SPARSE_MMAP area: {@code u64 offset, u64 size} relative to the region. */
    record Area(long offset, long size) {}

    /** Most capabilities we follow in one chain: more means a loop we did not catch otherwise. */
    private static final int MAX_CAPS = 64;

    boolean readable() {
        return (flags & Spec.REGION_READ) != 0;
    }

    boolean writable() {
        return (flags & Spec.REGION_WRITE) != 0;
    }

    boolean mappable() {
        return (flags & Spec.REGION_MMAP) != 0;
    }

    static RegionInfoReply parse(byte[] p) {
        List<String> problems = new ArrayList<>();
        List<Area> areas = new ArrayList<>();
        if (p.length < Spec.REGION_INFO_SIZE) {
            problems.add("region info payload of " + p.length + " bytes, shorter than the 32-byte structure");
            return new RegionInfoReply(0, 0, -1, 0, 0, 0, areas, false, false, problems);
        }
        long argsz = Le.u32(p, 0);
        int flags = (int) Le.u32(p, 4);
        long index = Le.u32(p, 8);
        long capOffset = Le.u32(p, 12);
        long size = Le.u64(p, 16);
        long offset = Le.u64(p, 24);
        int known = Spec.REGION_READ | Spec.REGION_WRITE | Spec.REGION_MMAP | Spec.REGION_CAPS;
        if ((flags & ~known) != 0) {
            problems.add("flag bits 0x" + Integer.toHexString(flags & ~known) + " the specification does not define");
        }
        if (argsz < Spec.REGION_INFO_SIZE) {
            problems.add("argsz " + argsz + " is less than the 32-byte structure");
        }
        boolean sparse = false;
        boolean typed = false;
        boolean complete = p.length >= argsz;
        if (complete && argsz > Spec.REGION_INFO_SIZE && (flags & Spec.REGION_CAPS) == 0) {
            problems.add("argsz " + argsz + " needs room beyond the structure but the CAPS flag is clear");
        }
        if (complete && (flags & Spec.REGION_CAPS) != 0) {
            Set<Long> seen = new HashSet<>();
            long at = capOffset;
            if (at == 0) {
                problems.add("CAPS flag set with cap_offset 0");
            }
            while (at != 0) {
                if (at < Spec.REGION_INFO_SIZE || at + 8 > p.length) {
                    problems.add("capability at offset " + at + " outside the " + p.length + "-byte reply");
                    break;
                }
                if (!seen.add(at) || seen.size() > MAX_CAPS) {
                    problems.add("the capability chain loops back to offset " + at);
                    break;
                }
                int o = (int) at;
                int id = Le.u16(p, o);
                int version = Le.u16(p, o + 2);
                long next = Le.u32(p, o + 4);
                if (id == Spec.CAP_SPARSE_MMAP) {
                    sparse = true;
                    sparse(p, o, version, areas, problems);
                } else if (id == Spec.CAP_TYPE) {
                    typed = true;
                    if (version != 1) {
                        problems.add("TYPE capability version " + version + ", the specification's is 1");
                    }
                    if (o + 16 > p.length) {
                        problems.add("TYPE capability at " + o + " runs past the reply");
                    }
                }
                at = next;
            }
        }
        return new RegionInfoReply(argsz, flags, index, capOffset, size, offset, areas, sparse, typed, problems);
    }

    private static void sparse(byte[] p, int o, int version, List<Area> areas, List<String> problems) {
        if (version != 1) {
            problems.add("SPARSE_MMAP capability version " + version + ", the specification's is 1");
        }
        if (o + 16 > p.length) {
            problems.add("SPARSE_MMAP capability at " + o + " runs past the reply");
            return;
        }
        long n = Le.u32(p, o + 8);
        if (o + 16 + n * 16 > p.length) {
            problems.add("SPARSE_MMAP capability at " + o + " claims " + n + " areas, more than the reply holds");
            return;
        }
        for (int i = 0; i < n; i++) {
            int a = o + 16 + 16 * i;
            areas.add(new Area(Le.u64(p, a), Le.u64(p, a + 8)));
        }
    }

    /** What is wrong with the areas against the region (VU-4.3: each area lies inside the region). */
    List<String> areaProblems() {
        List<String> out = new ArrayList<>();
        if (sparse && !mappable()) {
            out.add("region " + index + " has SPARSE_MMAP areas but no MMAP flag");
        }
        for (Area a : areas) {
            long end = a.offset() + a.size();
            if (a.size() == 0 || Long.compareUnsigned(end, a.offset()) < 0 || Long.compareUnsigned(end, size) > 0) {
                out.add("region " + index + " area [0x" + Long.toHexString(a.offset()) + " +0x"
                        + Long.toHexString(a.size()) + ") is not inside the region of 0x" + Long.toHexString(size)
                        + " bytes");
            }
        }
        return out;
    }
}

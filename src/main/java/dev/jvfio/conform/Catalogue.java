package dev.jvfio.conform;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Every check, in the order they run, and the selection of {@code --only}. */
public final class Catalogue {
    private Catalogue() {}

    public static List<Check> all() {
        List<Check> all = new ArrayList<>();
        all.addAll(VersionChecks.checks());
        all.addAll(FramingChecks.checks());
        all.addAll(MalformedChecks.checks());
        all.addAll(RegionChecks.checks());
        all.addAll(AccessChecks.checks());
        all.addAll(IrqChecks.checks());
        all.addAll(DmaChecks.checks());
        all.addAll(MigrationChecks.checks());
        return List.copyOf(all);
    }

    /**
     * The checks {@code items} name, in catalogue order: each item is a check id, or a prefix of
     * ids ending at a '.' or '/' ({@code VU-3}, {@code VU-7.2}, {@code VU-5.1/}).
     *
     * @throws IllegalArgumentException for an item that names no check
     */
    public static List<Check> select(List<String> items) {
        List<Check> all = all();
        if (items.isEmpty()) {
            return all;
        }
        Set<Check> chosen = new LinkedHashSet<>();
        for (String item : items) {
            List<Check> hit =
                    all.stream().filter(c -> c.selectedBy(item.strip())).toList();
            if (hit.isEmpty()) {
                throw new IllegalArgumentException("no check has the id '" + item + "'");
            }
            chosen.addAll(hit);
        }
        return all.stream().filter(chosen::contains).toList();
    }
}

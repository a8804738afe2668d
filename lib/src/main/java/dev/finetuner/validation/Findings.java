package dev.finetuner.validation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Findings of one run: all counted, the first few per code listed. Mergeable: the findings of two
 * consecutive parts of a dataset, merged, are those of the whole (only the order within a code matters,
 * since the report sorts by line, severity and code).
 */
final class Findings {
    private final Set<String> disabled;
    private final int maxPerCode;
    private final List<Finding> listed = new ArrayList<>();
    private final Map<String, Long> counts = new HashMap<>();
    private long blocking;

    Findings(Set<String> disabled, int maxPerCode) {
        this.disabled = disabled;
        this.maxPerCode = maxPerCode;
    }

    void add(Finding f) {
        if (disabled.contains(f.code())) {
            return;
        }
        long n = counts.merge(f.code(), 1L, Long::sum);
        if (f.blocking()) {
            blocking++;
        }
        if (n <= maxPerCode) {
            listed.add(f);
        }
    }

    /** Adds the findings of the part of the dataset that follows the one these were found in. */
    void merge(Findings later) {
        Map<String, Long> listedBefore = new HashMap<>();
        for (Finding f : listed) {
            listedBefore.merge(f.code(), 1L, Long::sum);
        }
        for (Finding f : later.listed) {
            if (listedBefore.merge(f.code(), 1L, Long::sum) <= maxPerCode) {
                listed.add(f);
            }
        }
        later.counts.forEach((code, n) -> counts.merge(code, n, Long::sum));
        blocking += later.blocking;
    }

    List<Finding> listed() {
        return listed;
    }

    Map<String, Long> counts() {
        return counts;
    }

    long blocking() {
        return blocking;
    }
}

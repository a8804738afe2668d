package dev.finetuner.dataset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A seeded train/validation split. Exact and streaming: for each stratum (a class, or the whole
 * dataset) exactly {@code round(fraction * count)} examples go to validation, chosen by selection
 * sampling, so a dataset never has to be held in memory and the same seed gives the same split.
 *
 * <pre>{@code
 * Split.Result r = Split.of(0.2, 42).apply(examples, Split::completionClass);
 * }</pre>
 *
 * @param fraction the share of each stratum that goes to validation, 0 (none) to below 1
 * @param seed the seed of the pseudo-random choice
 */
public record Split(double fraction, long seed) {
    /**
     * Checks that the fraction is in [0, 1).
     *
     * @param fraction the share of each stratum that goes to validation, 0 (none) to below 1
     * @param seed the seed of the pseudo-random choice
     */
    public Split {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), was " + fraction);
        }
    }

    /**
     * {@return a split with this validation fraction and seed}
     *
     * @param fraction the share of each stratum that goes to validation, in [0, 1)
     * @param seed the seed of the pseudo-random choice
     */
    public static Split of(double fraction, long seed) {
        return new Split(fraction, seed);
    }

    /** The training and validation examples, each in source order. */
    public record Result(List<Example> training, List<Example> validation) {
        /**
         * Keeps unmodifiable copies of both lists.
         *
         * @param training the training examples, in source order
         * @param validation the validation examples, in source order
         */
        public Result {
            training = List.copyOf(training);
            validation = List.copyOf(validation);
        }
    }

    /**
     * Splits examples held in memory, stratified by {@code stratum} (return one constant for no
     * stratification).
     *
     * @param examples the examples, in source order
     * @param stratum the stratum of an example, e.g. {@link #completionClass}
     * @return the training and validation examples
     */
    public Result apply(List<? extends Example> examples, Function<Example, String> stratum) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Example e : examples) {
            counts.merge(stratum.apply(e), 1L, Long::sum);
        }
        Assigner a = assigner(counts);
        List<Example> train = new ArrayList<>();
        List<Example> valid = new ArrayList<>();
        for (Example e : examples) {
            (a.toValidation(stratum.apply(e)) ? valid : train).add(e);
        }
        return new Result(train, valid);
    }

    /**
     * An assigner for a stream whose per-stratum counts are known in advance (from a first pass); call
     * {@link Assigner#toValidation(String)} once per example, in order.
     *
     * @param countsByStratum how many examples each stratum has
     * @return the assigner
     */
    public Assigner assigner(Map<String, Long> countsByStratum) {
        return new Assigner(this, countsByStratum);
    }

    /**
     * {@return the stratum of an example for classification: its trimmed completion or final assistant answer}
     *
     * @param e the example
     */
    public static String completionClass(Example e) {
        return e.answer().strip();
    }

    /** Chooses, example by example, which go to validation. Not thread-safe. */
    public static final class Assigner {
        private final SplittableRandom random;
        private final Map<String, long[]> remaining = new HashMap<>(); // {left to see, left to pick}

        private Assigner(Split split, Map<String, Long> counts) {
            Objects.requireNonNull(counts, "counts");
            this.random = new SplittableRandom(split.seed());
            counts.forEach((k, n) -> remaining.put(k, new long[] {n, Math.round(split.fraction() * n)}));
        }

        /**
         * {@return true when the next example of this stratum goes to validation}
         *
         * @param stratum the example's stratum
         */
        public boolean toValidation(String stratum) {
            long[] r = remaining.get(stratum);
            if (r == null || r[0] <= 0) {
                return false; // not counted in advance: training, never a surprise in validation
            }
            boolean pick = r[1] > 0 && random.nextLong(r[0]) < r[1];
            r[0]--;
            if (pick) {
                r[1]--;
            }
            return pick;
        }
    }
}

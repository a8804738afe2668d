package dev.finetuner.metrics;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * An axis range with round ticks (1, 2 or 5 times a power of ten apart, Heckbert's "nice numbers"),
 * wide enough for the data and never empty, so mapping a value to a pixel never divides by zero.
 *
 * @param min the lowest tick, at or below the data
 * @param max the highest tick, at or above the data
 * @param spacing the distance between ticks
 * @param decimals the decimals a tick label needs
 */
record Scale(double min, double max, double spacing, int decimals) {
    Scale {
        if (!(Double.isFinite(min) && Double.isFinite(max) && max > min && spacing > 0)) {
            throw new IllegalArgumentException("not a usable scale: " + min + ".." + max + " by " + spacing);
        }
    }

    /**
     * A scale covering {@code lo..hi} with at most about {@code maxTicks} ticks. A single value is
     * widened around itself; data that is not negative keeps the scale at 0 or above.
     *
     * @param wholeNumbers ticks fall on whole numbers only (for steps)
     */
    static Scale covering(double lo, double hi, int maxTicks, boolean wholeNumbers) {
        if (!(Double.isFinite(lo) && Double.isFinite(hi)) || lo > hi) {
            lo = 0;
            hi = 1;
        }
        boolean nonNegative = lo >= 0;
        if (hi - lo <= Math.max(Math.abs(hi), Math.abs(lo)) * 1e-12) {
            double pad = wholeNumbers ? 1 : lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
            if (nonNegative && lo < 0) {
                lo = 0;
            }
        }
        double spacing = nice((hi - lo) / Math.max(1, maxTicks - 1));
        if (wholeNumbers && spacing < 1) {
            spacing = 1;
        }
        double min = Math.floor(lo / spacing + 1e-9) * spacing;
        double max = Math.ceil(hi / spacing - 1e-9) * spacing;
        if (max <= min) {
            max = min + spacing;
        }
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(spacing) + 1e-9));
        return new Scale(min, max, spacing, decimals);
    }

    /**
     * A whole-number scale from a round tick at or below {@code lo} to exactly {@code hi}: an axis of steps
     * ends at the last step, not at the next round number beyond it, so the curve reaches the right edge
     * and the last label says how many steps there were. A single step keeps room on both sides.
     */
    static Scale endingAt(double lo, double hi, int maxTicks) {
        Scale round = covering(lo, hi, maxTicks, true);
        if (!(Double.isFinite(lo) && Double.isFinite(hi)) || hi - lo < 1) {
            return round;
        }
        return new Scale(round.min, hi, round.spacing, round.decimals);
    }

    /**
     * The tick values from {@link #min()} to {@link #max()}, {@code spacing} apart; a maximum off that grid
     * gets a tick of its own, and the round tick just before it gives way when the two labels would crowd.
     */
    List<Double> ticks() {
        long n = (long) Math.floor((max - min) / spacing + 1e-9);
        List<Double> ticks = new ArrayList<>();
        for (long i = 0; i <= n; i++) {
            ticks.add(rounded(min + i * spacing));
        }
        double last = ticks.get(ticks.size() - 1);
        if (max - last > spacing * 1e-9) {
            if (max - last < spacing / 2 && ticks.size() > 1) {
                ticks.remove(ticks.size() - 1);
            }
            ticks.add(rounded(max));
        }
        return ticks;
    }

    private double rounded(double v) {
        return BigDecimal.valueOf(v).setScale(decimals, RoundingMode.HALF_UP).doubleValue();
    }

    /** A tick's label: as many decimals as the spacing needs, never "-0". */
    String label(double tick) {
        BigDecimal v = BigDecimal.valueOf(tick).setScale(decimals, RoundingMode.HALF_UP);
        return v.signum() == 0 ? BigDecimal.ZERO.setScale(decimals, RoundingMode.HALF_UP).toPlainString()
                : v.toPlainString();
    }

    /** Where {@code value} falls between {@code from} (at {@link #min()}) and {@code to} (at {@link #max()}). */
    double map(double value, double from, double to) {
        return from + (value - min) / (max - min) * (to - from);
    }

    /** The nearest of 1, 2, 5 or 10 times a power of ten (so up to about 1.5 times the ticks asked). */
    private static double nice(double x) {
        double power = Math.pow(10, Math.floor(Math.log10(x)));
        double fraction = x / power;
        double niceFraction = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
        return niceFraction * power;
    }
}

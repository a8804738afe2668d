package dev.finetuner.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * A line chart of training losses by step, as a self-contained SVG that a browser opens as it is:
 * labelled axes with round ticks, a title and a legend.
 *
 * <p>For one run ({@link TrainingMetrics#chart()}) it draws the training loss of each step faint
 * (class {@code train-raw}), because one batch's loss is noisy, and over it the trend: an exponential
 * moving average of it (class {@code train}; see {@link #smoothed(List)}); then the validation loss when
 * there is one ({@code valid}) and the full-validation losses as dots ({@code full-valid}).
 * {@link #comparing(Map)} draws several runs, say a hyperparameter sweep: one training curve per run
 * (per-step values, not smoothed) in its own colour, named in the legend, with the run's validation loss
 * dashed in the same colour. The step axis ends at the last step.
 *
 * <pre>{@code
 * metrics.chart().withTitle("helpdesk, 4 epochs").writeTo(Path.of("target/loss.svg"));
 * LossChart.comparing(Map.of("lr 0.5", a, "lr 2", b)).withSize(960, 540).toSvg();
 * }</pre>
 *
 * <p>Immutable; the {@code with...} methods return a new chart.
 */
public final class LossChart {
    /** The width in pixels unless {@link #withSize(int, int)} says otherwise. */
    public static final int DEFAULT_WIDTH = 720;
    /** The height in pixels unless {@link #withSize(int, int)} says otherwise. */
    public static final int DEFAULT_HEIGHT = 400;
    private static final int MIN_WIDTH = 320;
    private static final int MIN_HEIGHT = 200;

    private static final String TRAIN_COLOUR = "#1f77b4";
    private static final String VALID_COLOUR = "#ff7f0e";
    private static final String FULL_VALID_COLOUR = "#2ca02c";
    private static final String KEY_COLOUR = "#555555";
    private static final List<String> PALETTE = List.of("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
            "#8c564b", "#e377c2", "#17becf");
    private static final int LEFT = 72;
    private static final int RIGHT = 24;
    private static final int TOP = 48;
    private static final int BOTTOM = 56;
    private static final double CHAR_WIDTH = 6.6;
    private static final int LEGEND_ROW = 18;
    private static final int LEGEND_LABEL_MAX = 40;

    /** One run to draw; the name is only shown when comparing. */
    private record Run(String name, TrainingMetrics metrics) {
    }

    /** A legend line: a sample of the mark, in a colour, and what it stands for. */
    private record Entry(String label, Mark mark, String colour) {
    }

    private enum Mark { LINE, FAINT, DASHED, DOT }

    /** How faint the per-step training loss is drawn under its moving average. */
    private static final double RAW_OPACITY = 0.3;
    /** The moving average's span is this share of the steps (at least one step). */
    private static final double SMOOTHING_SPAN_SHARE = 0.1;

    private final List<Run> runs;
    private final boolean comparing;
    private final String title;
    private final int width;
    private final int height;

    private LossChart(List<Run> runs, boolean comparing, String title, int width, int height) {
        this.runs = List.copyOf(runs);
        this.comparing = comparing;
        this.title = title;
        this.width = width;
        this.height = height;
    }

    /** The chart of one run, as {@link TrainingMetrics#chart()} gives it. */
    static LossChart of(TrainingMetrics metrics) {
        return new LossChart(List.of(new Run("", metrics)), false, "Training loss", DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /**
     * A chart of several runs, one training curve each (validation dashed, when the run has it), in
     * distinct colours, named in the legend in the map's iteration order (use a {@code LinkedHashMap}
     * or a {@code TreeMap} to choose it).
     *
     * @param runs each run's name and metrics
     * @return the chart
     */
    public static LossChart comparing(Map<String, TrainingMetrics> runs) {
        Objects.requireNonNull(runs, "runs");
        List<Run> list = new ArrayList<>();
        runs.forEach((name, metrics) -> list.add(new Run(Objects.requireNonNull(name, "a run name"),
                Objects.requireNonNull(metrics, "the metrics of run " + name))));
        return new LossChart(list, true, "Training loss by run", DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /**
     * The same chart at another size, in pixels.
     *
     * @param width at least 320
     * @param height at least 200
     * @return the resized chart
     * @throws IllegalArgumentException below 320 by 200, too small for the axes
     */
    public LossChart withSize(int width, int height) {
        if (width < MIN_WIDTH || height < MIN_HEIGHT) {
            throw new IllegalArgumentException("a chart needs at least " + MIN_WIDTH + " x " + MIN_HEIGHT
                    + " pixels for its axes, not " + width + " x " + height);
        }
        return new LossChart(runs, comparing, title, width, height);
    }

    /**
     * The same chart under another title (any text: it is escaped).
     *
     * @param title the title
     * @return the retitled chart
     */
    public LossChart withTitle(String title) {
        return new LossChart(runs, comparing, Objects.requireNonNull(title, "title"), width, height);
    }

    /** {@return the chart as a standalone SVG document (UTF-8, with its XML declaration)} */
    public String toSvg() {
        double x0 = LEFT;
        double x1 = width - RIGHT;
        double y0 = TOP;
        double y1 = height - BOTTOM;
        Scale xs = Scale.endingAt(extreme(true, false), extreme(true, true), (int) ((x1 - x0) / 80));
        Scale ys = Scale.covering(extreme(false, false), extreme(false, true), (int) ((y1 - y0) / 45), false);

        Svg svg = new Svg();
        svg.open("svg", "xmlns", "http://www.w3.org/2000/svg", "width", width, "height", height,
                "viewBox", "0 0 " + width + " " + height, "font-family", "Helvetica, Arial, sans-serif",
                "font-size", 12, "fill", "#222222");
        svg.text("title", title);
        svg.empty("rect", "class", "background", "x", 0, "y", 0, "width", width, "height", height, "fill", "#ffffff");
        svg.text("text", title, "class", "title", "x", width / 2.0, "y", 28.0, "text-anchor", "middle",
                "font-size", 16, "font-weight", "bold");
        axes(svg, xs, ys, x0, x1, y0, y1);
        if (hasLosses()) {
            curves(svg, xs, ys, x0, x1, y0, y1);
        } else {
            svg.text("text", "no loss values to show", "class", "no-data", "x", (x0 + x1) / 2, "y", (y0 + y1) / 2,
                    "text-anchor", "middle", "fill", "#888888");
        }
        legend(svg, x0, x1, y0, y1);
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg.close("svg").done();
    }

    /**
     * Writes {@link #toSvg()} to a file (UTF-8), creating its folder when needed.
     *
     * @param file the file, created or replaced
     * @return the file
     * @throws UncheckedIOException when the file cannot be written
     */
    public Path writeTo(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return Files.writeString(file, toSvg(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the loss chart to " + file, e);
        }
    }

    /** Sizes and the number of runs, not the SVG. */
    @Override
    public String toString() {
        return "LossChart[\"" + title + "\", " + width + "x" + height + ", " + runs.size()
                + (runs.size() == 1 ? " run]" : " runs]");
    }

    private void axes(Svg svg, Scale xs, Scale ys, double x0, double x1, double y0, double y1) {
        svg.open("g", "class", "grid", "stroke", "#e6e6e6", "stroke-width", 1);
        for (double t : xs.ticks()) {
            double x = xs.map(t, x0, x1);
            svg.empty("line", "x1", x, "y1", y0, "x2", x, "y2", y1);
        }
        for (double t : ys.ticks()) {
            double y = ys.map(t, y1, y0);
            svg.empty("line", "x1", x0, "y1", y, "x2", x1, "y2", y);
        }
        svg.close("g");

        svg.open("g", "class", "x-axis");
        svg.empty("line", "x1", x0, "y1", y1, "x2", x1, "y2", y1, "stroke", "#333333");
        for (double t : xs.ticks()) {
            double x = xs.map(t, x0, x1);
            svg.empty("line", "x1", x, "y1", y1, "x2", x, "y2", y1 + 5, "stroke", "#333333");
            svg.text("text", xs.label(t), "class", "tick", "x", x, "y", y1 + 19, "text-anchor", "middle");
        }
        svg.text("text", "step", "class", "axis-label", "x", (x0 + x1) / 2, "y", height - 14.0,
                "text-anchor", "middle", "font-size", 13);
        svg.close("g");

        svg.open("g", "class", "y-axis");
        svg.empty("line", "x1", x0, "y1", y0, "x2", x0, "y2", y1, "stroke", "#333333");
        for (double t : ys.ticks()) {
            double y = ys.map(t, y1, y0);
            svg.empty("line", "x1", x0 - 5, "y1", y, "x2", x0, "y2", y, "stroke", "#333333");
            svg.text("text", ys.label(t), "class", "tick", "x", x0 - 8, "y", y + 4, "text-anchor", "end");
        }
        double middle = (y0 + y1) / 2;
        svg.text("text", "loss", "class", "axis-label", "x", 18.0, "y", middle, "text-anchor", "middle",
                "font-size", 13, "transform", "rotate(-90 18 " + Svg.num(middle) + ")");
        svg.close("g");
    }

    private void curves(Svg svg, Scale xs, Scale ys, double x0, double x1, double y0, double y1) {
        svg.open("g", "class", "curves", "fill", "none", "stroke-linejoin", "round", "stroke-linecap", "round");
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            String trainColour = comparing ? colour(i) : TRAIN_COLOUR;
            String validColour = comparing ? colour(i) : VALID_COLOUR;
            String fullValidColour = comparing ? colour(i) : FULL_VALID_COLOUR;
            List<double[]> train = points(run, TrainingMetrics.Step::trainLoss);
            if (comparing) {
                line(svg, run, "train", train, trainColour, 1.5, null, 1, xs, ys, x0, x1, y0, y1);
            } else {
                line(svg, run, "train-raw", train, trainColour, 1, null, RAW_OPACITY, xs, ys, x0, x1, y0, y1);
                line(svg, run, "train", smoothed(train), trainColour, 2.0, null, 1, xs, ys, x0, x1, y0, y1);
            }
            line(svg, run, "valid", points(run, TrainingMetrics.Step::validLoss), validColour, 2.0,
                    comparing ? "6 4" : null, 1, xs, ys, x0, x1, y0, y1);
            for (TrainingMetrics.Step s : run.metrics().steps()) {
                if (s.fullValidLoss().isPresent()) {
                    svg.empty("circle", "class", "full-valid", "cx", xs.map(s.step(), x0, x1),
                            "cy", ys.map(s.fullValidLoss().getAsDouble(), y1, y0), "r", 4, "fill", fullValidColour,
                            "stroke", "#ffffff", "stroke-width", 1);
                }
            }
        }
        svg.close("g");
    }

    /** The (step, value) pairs of the steps that have the value, in step order. */
    private static List<double[]> points(Run run, Function<TrainingMetrics.Step, OptionalDouble> value) {
        List<double[]> points = new ArrayList<>();
        for (TrainingMetrics.Step s : run.metrics().steps()) {
            OptionalDouble v = value.apply(s);
            if (v.isPresent()) {
                points.add(new double[] {s.step(), v.getAsDouble()});
            }
        }
        return points;
    }

    /**
     * The exponential moving average of the values, as pandas' {@code ewm(span=..., adjust=False)}
     * computes it: {@code s[0] = v[0]}, {@code s[i] = a * v[i] + (1 - a) * s[i - 1]} with
     * {@code a = 2 / (span + 1)} and a span of a tenth of the points (at least 1, where it changes
     * nothing). Starting from the first value, not from 0, keeps the start of the curve unbiased.
     */
    static List<double[]> smoothed(List<double[]> points) {
        double span = Math.max(1, Math.round(points.size() * SMOOTHING_SPAN_SHARE));
        double a = 2 / (span + 1);
        List<double[]> out = new ArrayList<>(points.size());
        double s = Double.NaN;
        for (double[] p : points) {
            s = Double.isNaN(s) ? p[1] : a * p[1] + (1 - a) * s;
            out.add(new double[] {p[0], s});
        }
        return out;
    }

    private void line(Svg svg, Run run, String kind, List<double[]> values, String colour, double strokeWidth,
                      String dashes, double opacity, Scale xs, Scale ys, double x0, double x1, double y0, double y1) {
        StringBuilder points = new StringBuilder();
        int count = 0;
        double lastX = 0;
        double lastY = 0;
        for (double[] v : values) {
            lastX = xs.map(v[0], x0, x1);
            lastY = ys.map(v[1], y1, y0);
            points.append(count++ == 0 ? "" : " ").append(Svg.num(lastX)).append(',').append(Svg.num(lastY));
        }
        if (count == 0) {
            return;
        }
        List<Object> attributes = new ArrayList<>(List.of("class", kind, "stroke", colour,
                "stroke-width", strokeWidth, "points", points.toString()));
        if (dashes != null) {
            attributes.addAll(List.of("stroke-dasharray", dashes));
        }
        if (opacity < 1) {
            attributes.addAll(List.of("stroke-opacity", opacity));
        }
        if (comparing) {
            svg.open("polyline", attributes.toArray());
            svg.text("title", run.name() + (kind.equals("train") ? ": training loss" : ": validation loss"));
            svg.close("polyline");
        } else {
            svg.empty("polyline", attributes.toArray());
        }
        if (count == 1 && opacity == 1) { // a line through one point draws nothing: show the point (once)
            svg.empty("circle", "class", "marker", "cx", lastX, "cy", lastY, "r", 3, "fill", colour);
        }
    }

    private void legend(Svg svg, double x0, double x1, double y0, double y1) {
        List<Entry> entries = entries();
        if (entries.isEmpty()) {
            return;
        }
        int fitting = Math.max(1, (int) ((y1 - y0 - 24) / LEGEND_ROW));
        if (entries.size() > fitting && comparing) { // name as many runs as fit, and keep the key
            int key = entries.size() - runs.size();
            int named = Math.max(1, fitting - key - 1);
            List<Entry> shown = new ArrayList<>(entries.subList(0, named));
            shown.add(new Entry("+ " + (runs.size() - named) + " more", null, KEY_COLOUR));
            shown.addAll(entries.subList(runs.size(), entries.size()));
            entries = shown;
        }
        int longest = entries.stream().mapToInt(e -> e.label().length()).max().orElse(0);
        double boxWidth = Math.min(x1 - x0 - 16, 42 + longest * CHAR_WIDTH);
        double boxHeight = 8 + entries.size() * LEGEND_ROW;
        double left = x1 - boxWidth - 8;
        double top = y0 + 8;
        svg.open("g", "class", "legend");
        svg.empty("rect", "x", left, "y", top, "width", boxWidth, "height", boxHeight, "fill", "#ffffff",
                "fill-opacity", 0.85, "stroke", "#cccccc", "rx", 3);
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            double y = top + 4 + LEGEND_ROW * (i + 0.5);
            if (e.mark() == Mark.DOT) {
                svg.empty("circle", "cx", left + 20, "cy", y, "r", 4, "fill", e.colour());
            } else if (e.mark() != null) {
                svg.empty("line", "x1", left + 8, "y1", y, "x2", left + 32, "y2", y, "stroke", e.colour(),
                        "stroke-width", 2, "stroke-dasharray", e.mark() == Mark.DASHED ? "6 4" : "none",
                        "stroke-opacity", e.mark() == Mark.FAINT ? RAW_OPACITY : 1);
            }
            svg.text("text", e.label(), "class", "legend-entry", "x", left + 40, "y", y + 4);
        }
        svg.close("g");
    }

    private List<Entry> entries() {
        boolean valid = any(TrainingMetrics.Step::validLoss);
        boolean fullValid = any(TrainingMetrics.Step::fullValidLoss);
        List<Entry> entries = new ArrayList<>();
        if (comparing) {
            for (int i = 0; i < runs.size(); i++) {
                entries.add(new Entry(shorten(runs.get(i).name()), Mark.LINE, colour(i)));
            }
            if (valid || fullValid) { // then say which line is which
                entries.add(new Entry("training loss", Mark.LINE, KEY_COLOUR));
            }
            if (valid) {
                entries.add(new Entry("validation loss", Mark.DASHED, KEY_COLOUR));
            }
            if (fullValid) {
                entries.add(new Entry("full validation loss", Mark.DOT, KEY_COLOUR));
            }
        } else {
            if (any(TrainingMetrics.Step::trainLoss)) {
                entries.add(new Entry("training loss (moving average)", Mark.LINE, TRAIN_COLOUR));
                entries.add(new Entry("training loss per step", Mark.FAINT, TRAIN_COLOUR));
            }
            if (valid) {
                entries.add(new Entry("validation loss", Mark.LINE, VALID_COLOUR));
            }
            if (fullValid) {
                entries.add(new Entry("full validation loss", Mark.DOT, FULL_VALID_COLOUR));
            }
        }
        return entries;
    }

    private static String shorten(String name) {
        return name.length() <= LEGEND_LABEL_MAX ? name : name.substring(0, LEGEND_LABEL_MAX - 1) + "\u2026";
    }

    private boolean hasLosses() {
        return any(TrainingMetrics.Step::trainLoss) || any(TrainingMetrics.Step::validLoss)
                || any(TrainingMetrics.Step::fullValidLoss);
    }

    private boolean any(Function<TrainingMetrics.Step, OptionalDouble> value) {
        return runs.stream().flatMap(r -> r.metrics().steps().stream()).anyMatch(s -> value.apply(s).isPresent());
    }

    /**
     * The lowest or highest step ({@code ofSteps}) or loss among the steps that have a loss to draw;
     * NaN when there is none, which {@link Scale#covering} turns into a default range.
     */
    private double extreme(boolean ofSteps, boolean highest) {
        double result = Double.NaN;
        for (Run run : runs) {
            for (TrainingMetrics.Step s : run.metrics().steps()) {
                for (OptionalDouble loss : List.of(s.trainLoss(), s.validLoss(), s.fullValidLoss())) {
                    if (loss.isPresent()) {
                        double v = ofSteps ? s.step() : loss.getAsDouble();
                        result = Double.isNaN(result) ? v : highest ? Math.max(result, v) : Math.min(result, v);
                    }
                }
            }
        }
        return result;
    }

    /** The colour of the i-th run: a palette of eight, then hues a golden angle apart. */
    static String colour(int i) {
        if (i < PALETTE.size()) {
            return PALETTE.get(i);
        }
        double hue = (i * 137.508) % 360;
        return hslToHex(hue, 0.65, 0.42);
    }

    private static String hslToHex(double hue, double saturation, double lightness) {
        double c = (1 - Math.abs(2 * lightness - 1)) * saturation;
        double h = hue / 60;
        double x = c * (1 - Math.abs(h % 2 - 1));
        double[] rgb = h < 1 ? new double[] {c, x, 0} : h < 2 ? new double[] {x, c, 0} : h < 3
                ? new double[] {0, c, x} : h < 4 ? new double[] {0, x, c} : h < 5 ? new double[] {x, 0, c}
                : new double[] {c, 0, x};
        double m = lightness - c / 2;
        return String.format(Locale.ROOT, "#%02x%02x%02x", Math.round((rgb[0] + m) * 255),
                Math.round((rgb[1] + m) * 255), Math.round((rgb[2] + m) * 255));
    }
}

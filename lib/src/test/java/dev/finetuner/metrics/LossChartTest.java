package dev.finetuner.metrics;

import dev.finetuner.metrics.TrainingMetrics.Step;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The loss chart as a user opens it: a well-formed SVG with one curve per loss, labelled axes with round
 * ticks, a legend and an escaped title; finite coordinates for one point or a flat line; several runs
 * side by side.
 */
class LossChartTest {
    private static final OptionalDouble NONE = OptionalDouble.empty();

    @TempDir
    Path dir;

    @Test
    void the_chart_is_an_svg_document_of_720_by_400_that_parses_as_xml() {
        // given
        TrainingMetrics metrics = fiftySteps();
        // when
        String svg = metrics.chart().toSvg();
        // then
        Element root = parse(svg).getDocumentElement();
        assertThat(root.getTagName()).isEqualTo("svg");
        assertThat(root.getAttribute("xmlns")).isEqualTo("http://www.w3.org/2000/svg");
        assertThat(root.getAttribute("width")).isEqualTo("720");
        assertThat(root.getAttribute("height")).isEqualTo("400");
        assertThat(root.getAttribute("viewBox")).isEqualTo("0 0 720 400");
        assertThat(svg).doesNotContain("NaN").doesNotContain("Infinity");
    }

    @Test
    void training_and_validation_losses_are_two_curves_with_one_point_per_value() {
        // given: 50 training losses, a validation loss every 10 steps
        TrainingMetrics metrics = fiftySteps();
        // when
        Document svg = parse(metrics.chart().toSvg());
        // then
        assertThat(elements(svg, "polyline", "train")).singleElement()
                .satisfies(line -> assertThat(points(line)).hasSize(50));
        assertThat(elements(svg, "polyline", "valid")).singleElement()
                .satisfies(line -> assertThat(points(line)).hasSize(5));
        assertThat(texts(svg, "legend-entry")).containsExactly("training loss (moving average)",
                "training loss per step", "validation loss");
        assertThat(elements(svg, "circle", "full-valid")).isEmpty();
    }

    @Test
    void the_curves_run_left_to_right_inside_the_plot_and_fall_as_the_loss_falls() {
        // given
        TrainingMetrics metrics = fiftySteps();
        // when
        Document svg = parse(metrics.chart().toSvg());
        // then: x grows with the step; a lower loss is drawn lower down (SVG's y grows downwards)
        List<double[]> train = points(elements(svg, "polyline", "train").get(0));
        assertThat(train).allSatisfy(p -> {
            assertThat(p[0]).isBetween(0.0, 720.0);
            assertThat(p[1]).isBetween(0.0, 400.0);
        });
        assertThat(IntStream.range(1, train.size()).allMatch(i -> train.get(i)[0] > train.get(i - 1)[0])).isTrue();
        assertThat(train.get(train.size() - 1)[1]).isGreaterThan(train.get(0)[1] + 100);
    }

    @Test
    void a_run_without_validation_losses_has_no_validation_curve_nor_legend_entry() {
        // given
        TrainingMetrics metrics = metrics("step,train_loss\n1,2.0\n2,1.5\n3,1.2\n");
        // when
        Document svg = parse(metrics.chart().toSvg());
        // then
        assertThat(elements(svg, "polyline", "train")).hasSize(1);
        assertThat(elements(svg, "polyline", "valid")).isEmpty();
        assertThat(texts(svg, "legend-entry")).containsExactly("training loss (moving average)", "training loss per step");
    }

    @Test
    void full_validation_losses_are_drawn_as_dots() {
        // given: the whole validation file measured at two epoch ends
        TrainingMetrics metrics = fiftySteps().merge(metrics("step,full_valid_loss\n25,0.8\n50,0.52\n"));
        // when
        Document svg = parse(metrics.chart().toSvg());
        // then
        assertThat(elements(svg, "circle", "full-valid")).hasSize(2);
        assertThat(texts(svg, "legend-entry")).contains("full validation loss");
    }

    @Test
    void the_axes_are_labelled_step_and_loss_with_round_evenly_spaced_ticks() {
        // given: steps 1..50, losses between 0.33864 and 2.52992
        TrainingMetrics metrics = fiftySteps();
        // when
        Document svg = parse(metrics.chart().toSvg());
        // then
        assertThat(texts(svg, "axis-label")).containsExactly("step", "loss");
        List<String> xTicks = tickLabels(svg, "x-axis");
        assertThat(xTicks).containsExactly("0", "10", "20", "30", "40", "50");
        List<BigDecimal> yTicks = tickLabels(svg, "y-axis").stream().map(BigDecimal::new).toList();
        assertThat(yTicks).hasSizeBetween(4, 10);
        assertThat(yTicks.get(0)).isLessThanOrEqualTo(new BigDecimal("0.33864"));
        assertThat(yTicks.get(yTicks.size() - 1)).isGreaterThanOrEqualTo(new BigDecimal("2.52992"));
        BigDecimal spacing = yTicks.get(1).subtract(yTicks.get(0));
        assertThat(IntStream.range(1, yTicks.size()).mapToObj(i -> yTicks.get(i).subtract(yTicks.get(i - 1))))
                .allSatisfy(d -> assertThat(d).isEqualByComparingTo(spacing));
        assertThat(spacing.unscaledValue().toString().replaceAll("0+$", "")).isIn("1", "2", "5");
    }

    @Test
    void the_per_step_training_loss_is_drawn_faint_under_its_moving_average_through_the_same_steps() {
        // given: a noisy loss, alternating 2 and 1 over 40 steps
        TrainingMetrics metrics = metrics("step,train_loss\n" + IntStream.rangeClosed(1, 40)
                .mapToObj(i -> i + "," + (i % 2 == 0 ? "1.0" : "2.0")).collect(Collectors.joining("\n")) + "\n");
        // when
        Document svg = parse(metrics.chart().toSvg());
        // then: the raw line zigzags faintly; the average (span 4: a = 0.4) has the same x and swings less
        Element raw = elements(svg, "polyline", "train-raw").get(0);
        Element smooth = elements(svg, "polyline", "train").get(0);
        assertThat(Double.parseDouble(raw.getAttribute("stroke-opacity"))).isLessThan(0.5);
        assertThat(smooth.getAttribute("stroke-opacity")).isEmpty();
        List<double[]> r = points(raw);
        List<double[]> m = points(smooth);
        assertThat(m).hasSameSizeAs(r);
        assertThat(IntStream.range(0, r.size()).allMatch(i -> r.get(i)[0] == m.get(i)[0])).isTrue();
        double rawSwing = Math.abs(r.get(39)[1] - r.get(38)[1]);
        double smoothSwing = Math.abs(m.get(39)[1] - m.get(38)[1]);
        assertThat(smoothSwing).isLessThan(rawSwing * 0.5);
        assertThat(m.get(0)).isEqualTo(r.get(0)); // it starts at the first value, not at 0
    }

    @Test
    void the_moving_average_is_pandas_ewm_with_a_span_of_a_tenth_of_the_steps() {
        // given: 20 points, so the span is 2 and a = 2/3
        List<double[]> points = IntStream.rangeClosed(1, 20).mapToObj(i -> new double[] {i, i == 1 ? 3.0 : 0.0}).toList();
        // when
        List<double[]> smoothed = LossChart.smoothed(points);
        // then
        assertThat(smoothed.get(0)[1]).isEqualTo(3.0);
        assertThat(smoothed.get(1)[1]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(smoothed.get(2)[1]).isCloseTo(1.0 / 3, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void the_step_axis_ends_at_the_last_step_not_at_a_round_number_beyond_it() {
        // given: 1..23 steps, then 1..21 (where the round tick 20 would crowd the last label)
        for (int last : new int[] {23, 21, 50}) {
            TrainingMetrics metrics = metrics("step,train_loss\n" + IntStream.rangeClosed(1, last)
                    .mapToObj(i -> i + "," + (2.0 / i)).collect(Collectors.joining("\n")) + "\n");
            // when
            Document svg = parse(metrics.chart().toSvg());
            // then: the last label is the last step, and the curve reaches the axis' right end
            List<String> ticks = tickLabels(svg, "x-axis");
            assertThat(ticks.get(ticks.size() - 1)).as("last of %s", ticks).isEqualTo(String.valueOf(last));
            assertThat(ticks).doesNotHaveDuplicates();
            List<double[]> train = points(elements(svg, "polyline", "train").get(0));
            assertThat(train.get(train.size() - 1)[0]).isCloseTo(720.0 - 24, org.assertj.core.data.Offset.offset(0.01));
        }
    }

    @Test
    void a_title_with_markup_characters_is_escaped_and_reads_back_unchanged() {
        // given
        String title = "helpdesk <davinci-002> & \"4 epochs\" \u0007";
        // when
        String svg = fiftySteps().chart().withTitle(title).toSvg();
        // then: the control character, which XML cannot hold, became U+FFFD
        Document doc = parse(svg);
        String expected = "helpdesk <davinci-002> & \"4 epochs\" \uFFFD";
        assertThat(doc.getElementsByTagName("title").item(0).getTextContent()).isEqualTo(expected);
        assertThat(texts(doc, "title")).containsExactly(expected);
        assertThat(svg).contains("helpdesk &lt;davinci-002&gt; &amp; &quot;4 epochs&quot;");
    }

    @Test
    void a_single_point_has_finite_coordinates_inside_the_plot_and_a_visible_marker() {
        // given
        TrainingMetrics metrics = metrics("step,train_loss\n7,0.5\n");
        // when
        String svg = metrics.chart().toSvg();
        // then
        assertThat(svg).doesNotContain("NaN").doesNotContain("Infinity");
        Document doc = parse(svg);
        double[] point = points(elements(doc, "polyline", "train").get(0)).get(0);
        assertThat(point[0]).isBetween(72.0, 696.0);
        assertThat(point[1]).isBetween(48.0, 344.0);
        assertThat(elements(doc, "circle", "marker")).hasSize(1);
        assertThat(tickLabels(doc, "x-axis")).contains("7");
    }

    @Test
    void constant_losses_make_a_flat_line_with_finite_coordinates() {
        // given
        TrainingMetrics metrics = metrics("step,train_loss,valid_loss\n1,0.5,0.5\n2,0.5,\n3,0.5,0.5\n");
        // when
        String svg = metrics.chart().toSvg();
        // then
        assertThat(svg).doesNotContain("NaN").doesNotContain("Infinity");
        Document doc = parse(svg);
        List<double[]> train = points(elements(doc, "polyline", "train").get(0));
        assertThat(train).hasSize(3).allSatisfy(p -> assertThat(p[1]).isCloseTo(train.get(0)[1], within(0.001)));
        assertThat(train.get(0)[1]).isBetween(48.0, 344.0);
        assertThat(tickLabels(doc, "y-axis")).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void with_size_sets_the_width_height_and_view_box_and_keeps_the_curves_inside() {
        // given
        LossChart chart = fiftySteps().chart();
        // when
        Document doc = parse(chart.withSize(1200, 600).toSvg());
        // then
        Element root = doc.getDocumentElement();
        assertThat(root.getAttribute("width")).isEqualTo("1200");
        assertThat(root.getAttribute("height")).isEqualTo("600");
        assertThat(root.getAttribute("viewBox")).isEqualTo("0 0 1200 600");
        assertThat(points(elements(doc, "polyline", "train").get(0))).allSatisfy(p -> {
            assertThat(p[0]).isBetween(0.0, 1200.0);
            assertThat(p[1]).isBetween(0.0, 600.0);
        });
        assertThat(parse(chart.toSvg()).getDocumentElement().getAttribute("width")).isEqualTo("720");
    }

    @Test
    void with_size_rejects_a_chart_too_small_for_its_axes() {
        // given
        LossChart chart = fiftySteps().chart();
        // when / then
        assertThatThrownBy(() -> chart.withSize(100, 50))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("100 x 50");
    }

    @Test
    void empty_metrics_still_make_a_readable_chart_that_says_there_is_nothing_to_show() {
        // given
        TrainingMetrics metrics = TrainingMetrics.empty();
        // when
        Document doc = parse(metrics.chart().toSvg());
        // then
        assertThat(doc.getElementsByTagName("polyline").getLength()).isZero();
        assertThat(texts(doc, "no-data")).containsExactly("no loss values to show");
        assertThat(texts(doc, "axis-label")).containsExactly("step", "loss");
    }

    @Test
    void comparing_draws_one_training_curve_per_run_in_distinct_colours_named_in_the_legend() {
        // given: three runs of a sweep, in the order to show them
        Map<String, TrainingMetrics> runs = new LinkedHashMap<>();
        runs.put("lr 0.5", decaying(40, 0.5));
        runs.put("lr 1", decaying(40, 1.0));
        runs.put("lr 2", decaying(30, 2.0));
        // when
        Document doc = parse(LossChart.comparing(runs).toSvg());
        // then
        List<Element> curves = elements(doc, "polyline", "train");
        assertThat(curves).hasSize(3);
        assertThat(curves).extracting(c -> points(c).size()).containsExactly(40, 40, 30);
        assertThat(curves).extracting(c -> c.getAttribute("stroke")).doesNotHaveDuplicates();
        assertThat(curves).extracting(c -> c.getElementsByTagName("title").item(0).getTextContent())
                .containsExactly("lr 0.5: training loss", "lr 1: training loss", "lr 2: training loss");
        assertThat(texts(doc, "legend-entry")).containsExactly("lr 0.5", "lr 1", "lr 2");
        assertThat(texts(doc, "title")).containsExactly("Training loss by run");
    }

    @Test
    void comparing_dashes_each_runs_validation_loss_in_its_colour_and_explains_the_dashes() {
        // given: one run with validation, one without; a name with markup
        Map<String, TrainingMetrics> runs = new LinkedHashMap<>();
        runs.put("a<b & c", fiftySteps());
        runs.put("plain", decaying(50, 1.0));
        // when
        Document doc = parse(LossChart.comparing(runs).toSvg());
        // then
        Element valid = elements(doc, "polyline", "valid").get(0);
        assertThat(elements(doc, "polyline", "valid")).hasSize(1);
        assertThat(valid.getAttribute("stroke-dasharray")).isNotBlank();
        assertThat(valid.getAttribute("stroke")).isEqualTo(elements(doc, "polyline", "train").get(0).getAttribute("stroke"));
        assertThat(texts(doc, "legend-entry")).containsExactly("a<b & c", "plain", "training loss", "validation loss");
    }

    @Test
    void comparing_many_runs_gives_each_its_own_colour_and_sums_up_what_the_legend_cannot_hold() {
        // given: more runs than the legend has rows
        Map<String, TrainingMetrics> runs = new LinkedHashMap<>();
        for (int i = 1; i <= 20; i++) {
            runs.put("run " + i, decaying(10, 0.1 * i));
        }
        // when
        Document doc = parse(LossChart.comparing(runs).toSvg());
        // then
        assertThat(elements(doc, "polyline", "train")).hasSize(20)
                .extracting(c -> c.getAttribute("stroke")).doesNotHaveDuplicates();
        List<String> legend = texts(doc, "legend-entry");
        assertThat(legend).startsWith("run 1", "run 2").endsWith("+ 6 more").hasSize(15);
    }

    @Test
    void comparing_no_runs_makes_a_chart_with_nothing_to_show() {
        // given
        Map<String, TrainingMetrics> runs = Map.of();
        // when
        Document doc = parse(LossChart.comparing(runs).toSvg());
        // then
        assertThat(texts(doc, "no-data")).hasSize(1);
        assertThat(texts(doc, "legend-entry")).isEmpty();
    }

    @Test
    void write_to_writes_the_svg_as_utf8_creating_the_folder() throws IOException {
        // given
        LossChart chart = fiftySteps().chart().withTitle("Verlust \u00fcber Schritte");
        Path file = dir.resolve("charts/loss.svg");
        // when
        Path written = chart.writeTo(file);
        // then
        assertThat(written).isEqualTo(file);
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(chart.toSvg());
    }

    private static TrainingMetrics fiftySteps() {
        try (var in = LossChartTest.class.getResourceAsStream("/TrainingMetricsTest/step_metrics.csv")) {
            return TrainingMetrics.fromResultFile(in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TrainingMetrics metrics(String csv) {
        return TrainingMetrics.fromResultFile(csv.getBytes(StandardCharsets.UTF_8));
    }

    /** A smooth training loss falling from 2.5 at a rate, over the given steps. */
    private static TrainingMetrics decaying(int steps, double rate) {
        List<Step> list = new ArrayList<>();
        for (int s = 1; s <= steps; s++) {
            list.add(new Step(s, OptionalDouble.of(0.3 + 2.2 * Math.exp(-s * rate / 10)), NONE, NONE, NONE, NONE,
                    NONE));
        }
        return TrainingMetrics.of(list);
    }

    private static Document parse(String svg) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML: " + e.getMessage() + "\n" + svg, e);
        }
    }

    private static List<Element> elements(Document doc, String tag, String cssClass) {
        NodeList nodes = doc.getElementsByTagName(tag);
        List<Element> found = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.getAttribute("class").equals(cssClass)) {
                found.add(e);
            }
        }
        return found;
    }

    private static List<String> texts(Document doc, String cssClass) {
        return elements(doc, "text", cssClass).stream().map(Element::getTextContent).toList();
    }

    private static List<String> tickLabels(Document doc, String axis) {
        Element group = elements(doc, "g", axis).get(0);
        NodeList texts = group.getElementsByTagName("text");
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < texts.getLength(); i++) {
            Element t = (Element) texts.item(i);
            if (t.getAttribute("class").equals("tick")) {
                labels.add(t.getTextContent());
            }
        }
        return labels;
    }

    private static List<double[]> points(Element polyline) {
        List<double[]> points = new ArrayList<>();
        for (String pair : polyline.getAttribute("points").strip().split("\\s+")) {
            double[] p = Arrays.stream(pair.split(",")).mapToDouble(Double::parseDouble).toArray();
            assertThat(p).hasSize(2);
            assertThat(Double.isFinite(p[0]) && Double.isFinite(p[1])).as("finite point %s", pair).isTrue();
            points.add(p);
        }
        return points;
    }
}

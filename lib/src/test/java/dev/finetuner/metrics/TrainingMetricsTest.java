package dev.finetuner.metrics;

import dev.finetuner.DatasetException;
import dev.finetuner.metrics.TrainingMetrics.Step;
import dev.finetuner.service.JobEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Reading what a fine-tune learned: the job's result file (plain or base64, columns in any order),
 * its metric events, and both merged; with a {@link DatasetException} naming line and column for a
 * file that is not a metrics CSV.
 */
class TrainingMetricsTest {
    private static final OptionalDouble NONE = OptionalDouble.empty();

    @Test
    void a_result_file_of_fifty_steps_gives_fifty_steps_with_validation_every_ten() {
        // given: as the API writes it, validation on every tenth step
        byte[] csv = resource("step_metrics.csv");
        // when
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(csv);
        // then
        assertThat(metrics.isEmpty()).isFalse();
        assertThat(metrics.steps()).extracting(Step::step)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 50).boxed().toList());
        assertThat(metrics.steps().get(0)).isEqualTo(new Step(1, of(2.52992), of(0.42151), NONE, NONE, NONE, NONE));
        assertThat(metrics.steps()).filteredOn(s -> s.validLoss().isPresent())
                .extracting(Step::step, s -> s.validLoss().getAsDouble(), s -> s.validAccuracy().getAsDouble())
                .containsExactly(tuple(10L, 1.54432, 0.62329), tuple(20L, 0.93182, 0.74820),
                        tuple(30L, 0.69055, 0.81233), tuple(40L, 0.57213, 0.84526), tuple(50L, 0.50448, 0.86216));
        assertThat(metrics.steps()).allSatisfy(s -> {
            assertThat(s.trainLoss()).isPresent();
            assertThat(s.fullValidLoss()).isEmpty();
        });
    }

    @Test
    void the_final_and_best_losses_are_read_from_the_last_and_lowest_values() {
        // given
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(resource("step_metrics.csv"));
        // when
        OptionalDouble finalTrain = metrics.finalTrainLoss();
        OptionalDouble finalValid = metrics.finalValidLoss();
        OptionalDouble bestValid = metrics.bestValidLoss();
        // then
        assertThat(finalTrain).hasValue(0.34454);
        assertThat(finalValid).hasValue(0.50448);
        assertThat(bestValid).hasValue(0.50448);
    }

    @Test
    void the_final_validation_loss_is_the_last_present_one_and_the_best_may_come_earlier() {
        // given: validation got worse at step 3, and step 4 has none
        byte[] csv = csv("""
                step,train_loss,valid_loss
                1,2.0,1.9
                2,1.5,1.2
                3,1.0,1.4
                4,0.8,
                """);
        // when
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(csv);
        // then
        assertThat(metrics.finalTrainLoss()).hasValue(0.8);
        assertThat(metrics.finalValidLoss()).hasValue(1.4);
        assertThat(metrics.bestValidLoss()).hasValue(1.2);
    }

    @Test
    void a_base64_encoded_result_file_is_decoded_first() {
        // given: the result file as the API sometimes serves it
        byte[] plain = resource("step_metrics.csv");
        byte[] encoded = Base64.getEncoder().encode(plain);
        // when
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(encoded);
        // then
        assertThat(metrics).isEqualTo(TrainingMetrics.fromResultFile(plain));
        assertThat(metrics.steps()).hasSize(50);
    }

    @Test
    void base64_broken_into_lines_with_a_trailing_newline_is_decoded_too() {
        // given: MIME-style lines of 76 characters
        byte[] plain = resource("step_metrics.csv");
        byte[] encoded = (Base64.getMimeEncoder().encodeToString(plain) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        // when
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(encoded);
        // then
        assertThat(metrics).isEqualTo(TrainingMetrics.fromResultFile(plain));
    }

    @Test
    void columns_are_found_by_name_in_any_order_with_the_newer_names_and_unknown_ones_ignored() {
        // given: the newer column names, full validation at the last step, and a column we do not know
        byte[] csv = csv("""
                train_runtime,valid_mean_token_accuracy,valid_loss,step,full_valid_mean_token_accuracy,\
                train_mean_token_accuracy,full_valid_loss,train_loss
                0.5,0.6,1.1,1,,0.55,,1.3
                0.9,0.7,0.9,2,0.72,0.66,0.95,1.0
                """);
        // when
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(csv);
        // then
        assertThat(metrics.steps()).containsExactly(
                new Step(1, of(1.3), of(0.55), of(1.1), of(0.6), NONE, NONE),
                new Step(2, of(1.0), of(0.66), of(0.9), of(0.7), of(0.95), of(0.72)));
    }

    @Test
    void empty_cells_nan_and_short_rows_are_absent_values_not_zeros() {
        // given: a blank valid_loss, a nan, a row that stops early and a blank line
        byte[] csv = csv("""
                step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy
                1,1.25,,,
                2,NaN,0.5,1.5,0.4

                3,0.75
                """);
        // when
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(csv);
        // then
        assertThat(metrics.steps()).containsExactly(
                new Step(1, of(1.25), NONE, NONE, NONE, NONE, NONE),
                new Step(2, NONE, of(0.5), of(1.5), of(0.4), NONE, NONE),
                new Step(3, of(0.75), NONE, NONE, NONE, NONE, NONE));
    }

    @Test
    void windows_line_endings_a_byte_order_mark_quotes_and_unsorted_repeated_steps_are_read() {
        // given: step 2 appears twice (the later row wins) and rows are out of order
        byte[] csv = csv("\uFEFF\"Step\", \"train_loss\"\r\n3,0.5\r\n2,0.9\r\n1,1.2\r\n2,0.8\r\n");
        // when
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(csv);
        // then
        assertThat(metrics.steps()).extracting(Step::step, s -> s.trainLoss().getAsDouble())
                .containsExactly(tuple(1L, 1.2), tuple(2L, 0.8), tuple(3L, 0.5));
    }

    @Test
    void a_header_alone_gives_empty_metrics() {
        // given
        byte[] csv = csv("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n");
        // when
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(csv);
        // then
        assertThat(metrics.isEmpty()).isTrue();
        assertThat(metrics.steps()).isEmpty();
        assertThat(metrics.finalTrainLoss()).isEmpty();
        assertThat(metrics.finalValidLoss()).isEmpty();
        assertThat(metrics.bestValidLoss()).isEmpty();
        assertThat(metrics).isEqualTo(TrainingMetrics.empty());
    }

    @Test
    void an_empty_file_is_a_dataset_exception_with_code_empty_file() {
        // given
        byte[] csv = csv(" \n\n");
        // when / then
        assertThatThrownBy(() -> TrainingMetrics.fromResultFile(csv))
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("empty_file");
                    assertThat(e.line()).isZero();
                })
                .hasMessageContaining("empty");
    }

    @Test
    void a_file_without_a_step_column_is_a_dataset_exception_naming_the_header_line_and_the_step_column() {
        // given: a training file, not a result file
        byte[] csv = csv("prompt,completion\nHello ->, world\n");
        // when / then
        assertThatThrownBy(() -> TrainingMetrics.fromResultFile(csv))
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("missing_column");
                    assertThat(e.line()).isEqualTo(1);
                    assertThat(e.field()).contains("step");
                })
                .hasMessageContaining("line 1")
                .hasMessageContaining("prompt,completion");
    }

    @Test
    void a_loss_that_is_not_a_number_is_a_dataset_exception_naming_its_line_and_column() {
        // given: line 4 holds "abc" in train_loss, the second column
        byte[] csv = csv("""
                step,train_loss,valid_loss
                1,1.5,
                2,1.25,1.3
                3,abc,
                """);
        // when / then
        assertThatThrownBy(() -> TrainingMetrics.fromResultFile(csv))
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_number");
                    assertThat(e.line()).isEqualTo(4);
                    assertThat(e.field()).contains("train_loss");
                    assertThat(e.file()).isEmpty();
                })
                .hasMessageContaining("line 4")
                .hasMessageContaining("column 2 (train_loss)")
                .hasMessageContaining("\"abc\"");
    }

    @Test
    void a_step_that_is_not_a_whole_number_is_a_dataset_exception_naming_its_line_and_column() {
        // given
        byte[] csv = csv("train_loss,step\n1.5,1\n1.25,2.5\n");
        // when / then
        assertThatThrownBy(() -> TrainingMetrics.fromResultFile(csv))
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_number");
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.field()).contains("step");
                })
                .hasMessageContaining("column 2 (step)")
                .hasMessageContaining("\"2.5\"");
    }

    @Test
    void an_infinite_loss_is_a_dataset_exception_rather_than_a_silent_gap() {
        // given: a run that diverged
        byte[] csv = csv("step,train_loss\n1,1.5\n2,inf\n");
        // when / then
        assertThatThrownBy(() -> TrainingMetrics.fromResultFile(csv))
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.field()).contains("train_loss");
                })
                .hasMessageContaining("not a finite number");
    }

    @Test
    void a_row_with_more_cells_than_the_header_is_a_dataset_exception_with_code_ragged_row() {
        // given
        byte[] csv = csv("step,train_loss\n1,1.5\n2,1,25\n");
        // when / then
        assertThatThrownBy(() -> TrainingMetrics.fromResultFile(csv))
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("ragged_row");
                    assertThat(e.line()).isEqualTo(3);
                });
    }

    @Test
    void metric_events_become_steps_in_step_order_and_other_events_are_skipped() {
        // given: newest first, as the API lists them, with message events between
        List<JobEvent> events = List.of(
                message("e5", 105, "Fine-tuning job successfully completed"),
                metrics("e4", 104, 3, of(0.6), of(0.7), NONE),
                metrics("e3", 103, 2, of(0.9), NONE, of(1.1)),
                message("e2", 102, "Fine-tuning job started"),
                metrics("e1", 101, 1, of(1.4), NONE, NONE));
        // when
        TrainingMetrics metrics = TrainingMetrics.fromEvents(events);
        // then
        assertThat(metrics.steps()).containsExactly(
                new Step(1, of(1.4), NONE, NONE, NONE, NONE, NONE),
                new Step(2, of(0.9), NONE, NONE, NONE, of(1.1), NONE),
                new Step(3, of(0.6), NONE, of(0.7), NONE, NONE, NONE));
        assertThat(metrics.finalValidLoss()).hasValue(0.7);
    }

    @Test
    void a_step_reported_twice_keeps_the_later_event_whole() {
        // given: oldest first, as a follower delivers them; step 2 again, later, without a validation loss
        List<JobEvent> events = List.of(
                metrics("e1", 101, 1, of(1.4), NONE, NONE),
                metrics("e2", 102, 2, of(1.0), of(1.2), NONE),
                metrics("e3", 102, 2, of(0.9), NONE, NONE));
        // when
        TrainingMetrics metrics = TrainingMetrics.fromEvents(events);
        // then
        assertThat(metrics.steps()).hasSize(2);
        assertThat(metrics.steps().get(1)).isEqualTo(new Step(2, of(0.9), NONE, NONE, NONE, NONE, NONE));
    }

    @Test
    void a_metrics_event_without_a_step_or_with_a_nan_loss_adds_nothing_it_cannot_place() {
        // given
        JobEvent noStep = new JobEvent("e1", Instant.ofEpochSecond(101), "info", "Step ?", Optional.of("metrics"),
                Optional.of(new JobEvent.Metrics(OptionalLong.empty(), OptionalLong.empty(), of(1.0), NONE, NONE,
                        NONE, NONE, NONE)));
        JobEvent nanLoss = metrics("e2", 102, 1, of(Double.NaN), of(1.5), NONE);
        // when
        TrainingMetrics metrics = TrainingMetrics.fromEvents(List.of(noStep, nanLoss));
        // then
        assertThat(metrics.steps()).containsExactly(new Step(1, NONE, NONE, of(1.5), NONE, NONE, NONE));
    }

    @Test
    void no_events_give_empty_metrics() {
        // given
        List<JobEvent> events = List.of(message("e1", 100, "Validating training file"));
        // when
        TrainingMetrics metrics = TrainingMetrics.fromEvents(events);
        // then
        assertThat(metrics.isEmpty()).isTrue();
    }

    @Test
    void merge_keeps_every_step_of_both_and_the_other_values_win_where_present() {
        // given: events seen while following, then the result file with validation accuracy added
        TrainingMetrics followed = TrainingMetrics.of(List.of(
                new Step(1, of(1.5), NONE, NONE, NONE, NONE, NONE),
                new Step(2, of(1.2), of(0.5), of(1.3), NONE, NONE, NONE)));
        TrainingMetrics file = TrainingMetrics.of(List.of(
                new Step(2, of(1.25), NONE, NONE, of(0.6), NONE, NONE),
                new Step(3, of(0.9), NONE, NONE, NONE, of(1.0), of(0.7))));
        // when
        TrainingMetrics merged = followed.merge(file);
        // then
        assertThat(merged.steps()).containsExactly(
                new Step(1, of(1.5), NONE, NONE, NONE, NONE, NONE),
                new Step(2, of(1.25), of(0.5), of(1.3), of(0.6), NONE, NONE),
                new Step(3, of(0.9), NONE, NONE, NONE, of(1.0), of(0.7)));
        assertThat(followed.steps()).hasSize(2);
    }

    @Test
    void merging_with_empty_metrics_changes_nothing() {
        // given
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(resource("step_metrics.csv"));
        // when
        TrainingMetrics merged = metrics.merge(TrainingMetrics.empty());
        // then
        assertThat(merged).isEqualTo(metrics);
        assertThat(TrainingMetrics.empty().merge(metrics)).isEqualTo(metrics);
    }

    @Test
    void the_steps_cannot_be_changed_from_outside() {
        // given
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(csv("step,train_loss\n1,1.0\n"));
        // when / then
        assertThatThrownBy(() -> metrics.steps().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void a_step_rejects_a_negative_number_and_values_that_are_not_finite() {
        // given / when / then
        assertThatThrownBy(() -> new Step(-1, NONE, NONE, NONE, NONE, NONE, NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> new Step(1, of(Double.POSITIVE_INFINITY), NONE, NONE, NONE, NONE, NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trainLoss");
    }

    @Test
    void to_string_summarises_instead_of_listing_every_step() {
        // given
        TrainingMetrics metrics = TrainingMetrics.fromResultFile(resource("step_metrics.csv"));
        // when
        String text = metrics.toString();
        // then
        assertThat(text).isEqualTo("TrainingMetrics[50 steps (1..50), final train loss 0.34454, "
                + "final valid loss 0.50448, best valid loss 0.50448]");
    }

    private static OptionalDouble of(double v) {
        return OptionalDouble.of(v);
    }

    private static byte[] csv(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] resource(String name) {
        try (InputStream in = TrainingMetricsTest.class.getResourceAsStream("/TrainingMetricsTest/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JobEvent message(String id, long second, String text) {
        return new JobEvent(id, Instant.ofEpochSecond(second), "info", text, Optional.of("message"), Optional.empty());
    }

    private static JobEvent metrics(String id, long second, long step, OptionalDouble trainLoss,
                                    OptionalDouble validLoss, OptionalDouble fullValidLoss) {
        JobEvent.Metrics m = new JobEvent.Metrics(OptionalLong.of(step), OptionalLong.of(3), trainLoss, NONE,
                validLoss, NONE, fullValidLoss, NONE);
        return new JobEvent(id, Instant.ofEpochSecond(second), "info", "Step " + step + "/3", Optional.of("metrics"),
                Optional.of(m));
    }
}

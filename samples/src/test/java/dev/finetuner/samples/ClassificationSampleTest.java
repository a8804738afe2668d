package dev.finetuner.samples;

import dev.finetuner.completion.EvaluationReport;
import dev.finetuner.service.JobStatus;
import dev.finetuner.model.TaskType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The classification sample, run once offline on the bundled reviews; each test checks one thing it shows. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClassificationSampleTest {
    @TempDir
    static Path dir;

    private static Classification.Result result;
    private static String printed;

    @BeforeAll
    static void run_the_sample_offline() {
        // given: the bundled reviews and the embedded backend, whatever OPENAI_API_KEY says
        Path data = Samples.dataFile(new String[0], "reviews.csv");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // when
        result = Classification.run(data, true, dir.resolve("reports/classification-report.html"),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        printed = bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void prepare_recognises_a_two_class_classification_task_of_at_least_1000_reviews() {
        // then
        assertThat(result.report().task()).isEqualTo(TaskType.CLASSIFICATION);
        assertThat(result.report().counts().records()).isGreaterThanOrEqualTo(1_000);
        assertThat(result.report().classes().keySet()).extracting(String::strip)
                .containsExactlyInAnyOrder("positive", "negative");
        assertThat(printed).contains("Task: CLASSIFICATION");
    }

    @Test
    void the_split_is_stratified_so_each_class_keeps_its_share_of_the_held_out_fifth() {
        // given
        long records = result.report().counts().records();
        long positives = result.report().classes().entrySet().stream()
                .filter(e -> e.getKey().strip().equals("positive")).mapToLong(e -> e.getValue()).sum();
        // then
        assertThat(result.report().counts().validation()).isEqualTo(records / 5);
        assertThat(result.evaluation().classMetrics("positive")).get()
                .satisfies(c -> assertThat((double) c.support())
                        .isCloseTo(positives / 5.0, within(1.0)));
    }

    @Test
    void the_classifier_trains_and_scores_well_above_chance_on_held_out_reviews() {
        // then: the larger class alone is about 54% of the reviews; the embedded backend reaches about 0.89
        EvaluationReport evaluation = result.evaluation();
        assertThat(result.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(evaluation.errors()).isZero();
        assertThat(evaluation.accuracy()).isPresent();
        assertThat(evaluation.accuracy().getAsDouble()).isGreaterThanOrEqualTo(0.8);
        assertThat(evaluation.classes()).hasSize(2).allSatisfy(c -> assertThat(c.f1()).isGreaterThan(0.75));
        assertThat(printed).contains("accuracy").contains("Held out: accuracy");
    }

    @Test
    void the_roc_auc_is_computed_from_the_first_token_probabilities() {
        // then
        assertThat(result.evaluation().rocAuc()).isPresent();
        assertThat(result.evaluation().rocAuc().getAsDouble()).isGreaterThan(0.85);
        assertThat(result.evaluation().positiveClass()).contains("positive");
        assertThat(printed).contains("ROC AUC");
    }

    @Test
    void the_confusion_matrix_holds_every_held_out_review() {
        // then
        assertThat(result.evaluation().examples()).isEqualTo(result.report().counts().validation());
        assertThat(result.evaluation().confusionMatrix()).get()
                .satisfies(cm -> assertThat(cm.total()).isEqualTo(result.report().counts().validation()));
        assertThat(printed).contains("Confusion matrix");
    }

    @Test
    void the_evaluation_is_written_as_an_html_page_with_its_tables() throws IOException {
        // then
        assertThat(result.htmlReport()).exists();
        assertThat(Files.readString(result.htmlReport())).startsWith("<!DOCTYPE html>").contains("<table");
        assertThat(printed).contains("HTML report: ");
    }

    @Test
    void new_reviews_are_given_one_of_the_two_labels() {
        // then
        assertThat(result.labels()).hasSameSizeAs(Classification.NEW_REVIEWS)
                .allSatisfy(label -> assertThat(label).isIn("positive", "negative"));
    }
}

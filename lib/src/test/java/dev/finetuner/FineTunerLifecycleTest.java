package dev.finetuner;

import dev.finetuner.internal.ManualClock;
import dev.finetuner.local.FaultPlan;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.JobStatus;
import dev.finetuner.service.RetryPolicy;
import dev.finetuner.validation.Repair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The facade end to end on the embedded backend: prepare, train, await, call the model as trained. */
class FineTunerLifecycleTest {
    private static final String[] GOOD = {"great", "wonderful", "friendly", "delicious", "superb", "lovely"};
    private static final String[] BAD = {"awful", "rude", "cold", "terrible", "dirty", "slow"};
    private static final String[] FILLER = {"the", "food", "staff", "table", "evening", "service", "we", "had",
            "a", "visit", "dinner", "place", "was", "really", "quite"};

    @TempDir
    Path dir;

    private static String review(int i, boolean positive) {
        String[] words = positive ? GOOD : BAD;
        return FILLER[i % FILLER.length] + " " + words[i % words.length] + " " + FILLER[(i * 7 + 3) % FILLER.length]
                + " " + words[(i / 3) % words.length] + " " + FILLER[(i * 5 + 1) % FILLER.length] + " on day " + i;
    }

    /** A labelled CSV as a user has it: no separator, no leading space, no stop. */
    private Path reviewsCsv(int n) throws IOException {
        String rows = IntStream.range(0, n).mapToObj(i -> "\"" + review(i, i % 2 == 0) + "\","
                + (i % 2 == 0 ? "positive" : "negative")).collect(Collectors.joining("\n"));
        return Files.writeString(dir.resolve("reviews.csv"), "prompt,completion\n" + rows + "\n");
    }

    private static FineTuner fineTuner(LocalOpenAi local) {
        return FineTuner.builder().apiKey("test").baseUrl(local.baseUrl())
                .retry(RetryPolicy.builder().initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(50)).build())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000))
                .build();
    }

    @Test
    void the_one_liner_trains_the_replacement_of_curie_and_the_model_answers_held_out_prompts() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
             FineTuner ft = fineTuner(local)) {
            // given
            Path csv = reviewsCsv(120);
            // when
            TrainedModel model = ft.prepare(csv, PrepareOptions.defaults()).train("curie");
            // then
            assertThat(model.baseModel()).isEqualTo("davinci-002");
            assertThat(model.id()).startsWith("ft:davinci-002");
            assertThat(model.format().separator()).isNotEmpty();
            long correct = IntStream.range(1000, 1040).filter(i -> {
                boolean positive = i % 2 == 0;
                return model.complete(review(i, positive)).equals(positive ? "positive" : "negative");
            }).count();
            assertThat(correct).isGreaterThan(30);
        }
    }

    @Test
    void the_separator_and_stop_are_kept_with_the_job_and_a_reattached_model_uses_them() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build()) {
            // given: the helpdesk archive, which needs a separator and a stop sequence
            Path helpdesk = Path.of("../samples/data/helpdesk.csv");
            String jobId;
            String modelId;
            try (FineTuner ft = fineTuner(local)) {
                Preparation p = ft.prepare(helpdesk, PrepareOptions.defaults());
                FineTuneJob job = p.start("davinci-002", TrainOptions.builder().epochs(1).suffix("helpdesk").build());
                jobId = job.id();
                modelId = job.await(Duration.ofMinutes(1)).id();
                assertThat(job.format().separator()).isEqualTo(p.report("davinci-002").separator().orElseThrow());
                assertThat(job.format().stop()).isEqualTo(p.report("davinci-002").stopSequence());
            }
            // when: a service restarted mid-training reattaches by job id and by model id
            try (FineTuner restarted = fineTuner(local)) {
                FineTuneJob again = restarted.job(jobId);
                TrainedModel byJob = again.await(Duration.ofMinutes(1));
                TrainedModel byId = restarted.model(modelId);
                // then
                assertThat(byJob.id()).isEqualTo(modelId);
                assertThat(byJob.format()).isEqualTo(again.format());
                assertThat(byId.format().separator()).isEqualTo("\n\n###\n\n");
                assertThat(byId.format().stop()).contains("\n");
                String answer = byId.complete("My VPN keeps disconnecting every hour, what can I do?");
                assertThat(answer).isNotBlank().doesNotContain("\n").doesNotEndWith("###");
            }
        }
    }

    @Test
    void a_dataset_with_errors_is_refused_with_its_report_unless_allowed() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.start(); FineTuner ft = fineTuner(local)) {
            // given: empty completions and no repair
            String rows = IntStream.range(0, 20).mapToObj(i -> "question " + i + "," + (i % 4 == 0 ? "" : "answer " + i))
                    .collect(Collectors.joining("\n"));
            Path csv = Files.writeString(dir.resolve("broken.csv"), "prompt,completion\n" + rows + "\n");
            Preparation p = ft.prepare(csv, PrepareOptions.builder().repair(Repair.NONE).build());
            // when / then
            assertThatThrownBy(() -> p.start("davinci-002"))
                    .isInstanceOfSatisfying(ValidationException.class, e -> {
                        assertThat(e.report().findingCounts()).containsEntry("empty_completion", 5L);
                        assertThat(e.getMessage()).contains("line 2").contains("empty");
                    });
        }
    }

    @Test
    void a_job_that_fails_surfaces_its_error() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST)
                .faults(FaultPlan.builder().failJobs(FaultPlan.times(1)).build()).build();
             FineTuner ft = fineTuner(local)) {
            // when / then
            Preparation p = ft.prepare(reviewsCsv(60), PrepareOptions.defaults());
            assertThatThrownBy(() -> p.train("babbage-002"))
                    .isInstanceOfSatisfying(JobFailedException.class, e -> {
                        assertThat(e.jobId()).startsWith("ftjob-");
                        assertThat(e.code()).isPresent();
                    });
        }
    }

    @Test
    void waiting_less_than_the_job_takes_times_out_and_the_job_goes_on() throws IOException {
        // given: a real-time backend, where the job takes minutes, and a manual clock, where waiting takes no time
        ManualClock clock = new ManualClock();
        try (LocalOpenAi local = LocalOpenAi.builder().speed(1).build();
             FineTuner ft = FineTuner.builder().apiKey("test").baseUrl(local.baseUrl()).timing(clock).build()) {
            FineTuneJob job = ft.prepare(reviewsCsv(60), PrepareOptions.defaults()).start("babbage-002");
            // when
            JobOutcome outcome = job.awaitOutcome(Duration.ofMinutes(1));
            // then
            assertThat(outcome).isInstanceOf(JobOutcome.TimedOut.class);
            assertThat(outcome.jobId()).isEqualTo(job.id());
            assertThat(outcome.elapsed()).isEqualTo(Duration.ofMinutes(1));
            assertThatThrownBy(() -> job.await(Duration.ofMinutes(1)))
                    .isInstanceOfSatisfying(AwaitTimeoutException.class, e -> assertThat(e.id()).isEqualTo(job.id()));
            assertThat(job.status().isTerminal()).isFalse();
            assertThat(job.cancel().status()).isIn(JobStatus.CANCELLED, JobStatus.of("cancelling"));
        }
    }

    @Test
    void a_classifier_is_evaluated_on_the_held_out_split_and_its_curves_are_charted() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build(); FineTuner ft = fineTuner(local)) {
            // given
            Preparation p = ft.prepare(reviewsCsv(240), PrepareOptions.builder().validationFraction(0.25).build());
            TrainedModel model = p.train("babbage-002", TrainOptions.builder().epochs(3).build());
            // when
            var report = model.evaluate(p.validation());
            var metrics = model.metrics();
            Path svg = metrics.chart().writeTo(dir.resolve("loss.svg"));
            // then
            assertThat(report.isClassification()).isTrue();
            assertThat(report.examples()).isEqualTo(60);
            assertThat(report.accuracy().orElseThrow()).isGreaterThan(0.75);
            assertThat(report.confusionMatrix().orElseThrow().total()).isEqualTo(60);
            assertThat(report.rocAuc()).isPresent();
            assertThat(metrics.steps()).isNotEmpty();
            assertThat(metrics.finalTrainLoss()).isPresent();
            assertThat(Files.readString(svg)).contains("<svg").contains("class=\"train\"");
        }
    }

    @Test
    void a_sweep_of_four_runs_within_budget_names_the_best_and_the_cheapest_near_it() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build(); FineTuner ft = fineTuner(local)) {
            // given
            Preparation p = ft.prepare(reviewsCsv(160), PrepareOptions.builder().validationFraction(0.25).build());
            Sweep sweep = Sweep.builder(p, "babbage-002").grid(List.of(1, 3), List.of(8), List.of(0.05, 0.5))
                    .budgetUsd(new java.math.BigDecimal("1.00")).concurrency(2).build();
            // when
            SweepReport report = sweep.run();
            // then
            assertThat(report.runs()).hasSize(4).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(r.metric()).isPresent();
                assertThat(r.metrics().steps()).isNotEmpty();
            });
            assertThat(report.runs()).extracting(SweepReport.Run::name)
                    .containsExactly("e1-b8-lr0.05", "e1-b8-lr0.5", "e3-b8-lr0.05", "e3-b8-lr0.5");
            SweepReport.Run best = report.best().orElseThrow();
            SweepReport.Run cheap = report.cheapestNearBest().orElseThrow();
            assertThat(cheap.metric().getAsDouble()).isGreaterThanOrEqualTo(best.metric().getAsDouble() - SweepReport.WITHIN);
            assertThat(cheap.cost().usd().orElseThrow()).isLessThanOrEqualTo(best.cost().usd().orElseThrow());
            // reviews are a classification: the table and the best line say the metric is accuracy
            assertThat(report.toText()).contains("best: " + best.name() + " (accuracy ")
                    .contains("valid loss accuracy  status").contains("cheapest within one point");
            assertThat(report.chart().toSvg()).contains("e3-b8-lr0.5");
        }
    }

    @Test
    void a_sweep_over_budget_is_refused_before_any_job_starts() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.start(); FineTuner ft = fineTuner(local)) {
            // given
            Preparation p = ft.prepare(reviewsCsv(160), PrepareOptions.builder().validationFraction(0.25).build());
            Sweep sweep = Sweep.builder(p, "davinci-002").grid(List.of(10, 20), List.of(), List.of())
                    .budgetUsd(new java.math.BigDecimal("0.01")).build();
            // when / then
            assertThatThrownBy(sweep::run).isInstanceOfSatisfying(Sweep.BudgetExceededException.class, e -> {
                assertThat(e.estimated()).hasValueSatisfying(t -> assertThat(t).isGreaterThan(e.budget()));
                assertThat(e.getMessage()).contains("over the budget of $0.01");
            });
            assertThat(ft.connection().jobs().list().count()).isZero();
        }
    }

    @Test
    void await_async_runs_on_the_builders_executor_and_completes_with_the_model() throws Exception {
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor(
                r -> new Thread(r, "my-await-thread"));
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
             FineTuner ft = FineTuner.builder().apiKey("test").baseUrl(local.baseUrl())
                     .pollInterval(Duration.ofMillis(10)).executor(executor).build()) {
            // given
            FineTuneJob job = ft.prepare(reviewsCsv(60), PrepareOptions.defaults()).start("babbage-002");
            java.util.List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
            // when
            TrainedModel model = job.awaitAsync().whenComplete((m, e) -> threads.add(Thread.currentThread().getName()))
                    .get(60, java.util.concurrent.TimeUnit.SECONDS);
            // then
            assertThat(model.id()).startsWith("ft:babbage-002");
            assertThat(threads).containsExactly("my-await-thread");
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void the_cost_estimate_and_the_split_come_from_the_prepared_data() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.start(); FineTuner ft = fineTuner(local)) {
            // given
            Preparation p = ft.prepare(reviewsCsv(200), PrepareOptions.builder().validationFraction(0.2).build());
            // when
            var estimate = p.estimate("babbage-002");
            // then
            assertThat(p.training().toList()).hasSize(160);
            assertThat(p.validation().toList()).hasSize(40);
            assertThat(estimate.trainingExamples()).isEqualTo(160);
            assertThat(estimate.epochs()).isEqualTo(3);
            assertThat(estimate.usd()).isPresent();
            List<String> labels = p.validation().toList().stream()
                    .map(e -> ((dev.finetuner.dataset.Example.PromptCompletion) e).completion().strip()).toList();
            assertThat(labels).filteredOn("positive"::equals).hasSize(20);
        }
    }
}

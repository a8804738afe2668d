package dev.finetuner.samples;

import dev.finetuner.FineTuneJob;
import dev.finetuner.FineTuner;
import dev.finetuner.service.DeployOptions;
import dev.finetuner.Preparation;
import dev.finetuner.PrepareOptions;
import dev.finetuner.TrainOptions;
import dev.finetuner.TrainedModel;
import dev.finetuner.completion.EvaluationReport;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobStatus;
import dev.finetuner.validation.CostEstimate;
import dev.finetuner.validation.ValidationReport;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The whole loop on a helpdesk archive: a CSV of 320 real-looking IT tickets and the answers the service
 * desk gave becomes a model that answers new tickets in the desk's voice.
 *
 * <p>It shows, step by step and printed as it goes: reading and repairing the data with a held-out
 * fifth ({@code prepare}), the validation report, the cost estimate, starting the job, following it
 * with a progress line built from its metrics events, waiting for the model, scoring it on the held-out
 * tickets, and answering three tickets it has never seen (the model is called with the separator and
 * stop sequence it was trained with, so the answers come back clean).
 *
 * <p>Offline by default, on the embedded backend ({@link LocalOpenAi}): no key, no network, a few
 * seconds. With {@code OPENAI_API_KEY} set it runs against the real API (or the OpenAI-compatible
 * server at {@code OPENAI_BASE_URL}) and trains {@code davinci-002}, which costs money and takes a
 * while. Run it from the repository root:
 *
 * <pre>{@code
 * mvn -q -DskipTests package && java -cp samples/target/finetuner.jar dev.finetuner.samples.Helpdesk [helpdesk.csv]
 * }</pre>
 */
public final class Helpdesk {
    /** The base model trained. */
    public static final String MODEL = "davinci-002";
    /** The base model the sample trains on Together AI: Llama 3.1 8B Instruct, LoRA by default. */
    public static final String TOGETHER_MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";

    /** Tickets that are not in the archive, answered by the trained model. */
    static final List<String> NEW_TICKETS = List.of(
            "The VPN client says my certificate has expired when I try to connect from the hotel wifi in Lisbon.",
            "Printouts from the colour printer by the kitchen come out smudged.",
            "I changed my password this morning and now Outlook on my phone keeps asking me for it.");

    private Helpdesk() {
    }

    /**
     * What a run produced, for the caller to check.
     *
     * @param report the validation report of the prepared data
     * @param estimate what training costs on {@link #MODEL}
     * @param jobId the fine-tuning job
     * @param status the job's final status
     * @param modelId the trained model
     * @param evaluation the model's score on the held-out tickets
     * @param answers the new tickets and the model's answers, in {@link #NEW_TICKETS} order
     */
    public record Result(ValidationReport report, CostEstimate estimate, String jobId, JobStatus status,
                         String modelId, EvaluationReport evaluation, List<Answer> answers) {
    }

    /** A new ticket and the trained model's answer. */
    public record Answer(String question, String answer) {
    }

    public static void main(String[] args) {
        Samples.quietLogs();
        boolean azure = args.length > 0 && args[0].equals("--azure");
        Path data = Samples.dataFile(azure ? java.util.Arrays.copyOfRange(args, 1, args.length) : args, "helpdesk.csv");
        if (azure) {
            runOnAzure(data, System.out);
        } else {
            run(data, Samples.offline(), System.out);
        }
    }

    /**
     * Runs the sample on the embedded backend in Azure mode: the same steps, and the model is deployed
     * (Developer SKU: no hosting fee) before it is evaluated and asked, then undeployed, as on Azure OpenAI.
     */
    public static Result runOnAzure(Path data, PrintStream out) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(out, "out");
        try (LocalOpenAi local = LocalOpenAi.builder().azure().speed(LocalOpenAi.DEFAULT_SPEED).build();
             FineTuner ft = Samples.localAzureFineTuner(local)) {
            out.println("Backend: the embedded server in Azure mode at " + local.azureEndpoint() + " (offline)");
            return steps(data, ft, MODEL, Duration.ofMinutes(2), true, out);
        }
    }

    /**
     * Runs the sample on {@code data}, printing each step to {@code out}.
     *
     * @param offline true for the embedded backend; false for the API named by {@code OPENAI_API_KEY}
     *     (and {@code OPENAI_BASE_URL})
     */
    public static Result run(Path data, boolean offline, PrintStream out) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(out, "out");
        // A null resource is allowed (and not closed): online there is no embedded backend.
        try (LocalOpenAi local = offline ? LocalOpenAi.builder().speed(LocalOpenAi.DEFAULT_SPEED).build() : null;
             FineTuner ft = offline ? Samples.localFineTuner(local) : Samples.apiFineTuner()) {
            out.println(offline
                    ? "Backend: the embedded OpenAI-compatible server at " + local.baseUrl() + " (offline)"
                    : "Backend: " + Samples.apiDescription());
            return run(data, ft, offline || !Samples.together() ? MODEL : TOGETHER_MODEL,
                    offline ? Duration.ofMinutes(2) : TrainOptions.DEFAULT_AWAIT, out);
        }
    }

    /**
     * Runs the sample's steps on a fine-tuner of your own, e.g. one on Together AI.
     *
     * @param data the helpdesk CSV
     * @param ft the fine-tuner to train with; not closed
     * @param model the base model, e.g. {@link #MODEL} on OpenAI or {@link #TOGETHER_MODEL} on Together AI
     * @param await how long to wait for the job
     * @param out where each step is printed
     * @return what each step produced
     */
    public static Result run(Path data, FineTuner ft, String model, Duration await, PrintStream out) {
        return steps(data, ft, model, await, false, out);
    }

    private static Result steps(Path data, FineTuner ft, String model, Duration await, boolean azure, PrintStream out) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(ft, "ft");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(out, "out");
        Samples.step(out, "1. Prepare " + data);
        Preparation preparation = ft.prepare(data, PrepareOptions.builder()
                .validationFraction(0.2).seed(42).build());
        ValidationReport report = preparation.report(model);
        out.println(report.toText());

        Samples.step(out, "2. Estimate the cost on " + model);
        CostEstimate estimate = preparation.estimate(model);
        out.println(estimate);

        Samples.step(out, "3. Train");
        FineTuneJob job = preparation.start(model, TrainOptions.builder().epochs(3).suffix("helpdesk").build());
        out.println("  job " + job.id() + " started");
        ProgressDisplay progress = new ProgressDisplay(out, ProgressDisplay.isTerminal(out));
        Job finished = job.follow(progress);
        progress.endLine();
        TrainedModel trained = job.await(await);
        out.println("  model " + trained.id() + " is ready");
        TrainedModel answering = trained;
        if (azure) {
            Samples.step(out, "3b. Deploy it (Azure serves a fine-tuned model only through a deployment)");
            answering = trained.deploy("helpdesk-ft", DeployOptions.defaults().withSku("Developer")
                    .withPollInterval(Duration.ofMillis(200)));
            out.println("  deployment " + answering.deploymentName().orElseThrow() + " is "
                    + answering.deployment().orElseThrow().state() + " (Developer: no hosting fee; Standard is billed"
                    + " per hour)");
        }

        Samples.step(out, "4. Evaluate on the " + report.counts().validation() + " held-out tickets");
        EvaluationReport evaluation = answering.evaluate(preparation.validation(model));
        out.println(evaluation.toText());

        Samples.step(out, "5. Answer new tickets");
        List<Answer> answers = new ArrayList<>();
        for (String question : NEW_TICKETS) {
            String answer = answering.complete(question);
            answers.add(new Answer(question, answer));
            out.println("  Q: " + question);
            out.println("  A: " + answer);
            out.println();
        }

        if (azure) {
            answering.undeploy();
            out.println("Undeployed " + answering.deploymentName().orElseThrow() + ".");
        }
        out.println("Model: " + answering.id());
        out.println("Job:   " + job.id());
        return new Result(report, estimate, job.id(), finished.status(), answering.id(), evaluation,
                List.copyOf(answers));
    }
}

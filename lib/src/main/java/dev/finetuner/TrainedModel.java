package dev.finetuner;

import dev.finetuner.completion.Completion;
import dev.finetuner.completion.CompletionClient;
import dev.finetuner.completion.CompletionOptions;
import dev.finetuner.completion.EvaluationReport;
import dev.finetuner.completion.Evaluator;
import dev.finetuner.completion.PromptFormat;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Message;
import dev.finetuner.metrics.TrainingMetrics;
import dev.finetuner.service.Job;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A fine-tuned model, called the way it was trained: the separator its prompts ended with is appended,
 * its stop sequence is sent and stripped. Get one from {@link FineTuneJob#await} or by id from
 * {@link FineTuner#model(String)}.
 */
public final class TrainedModel {
    private final FineTuner fineTuner;
    private final String id;
    private final Optional<Job> job;
    private final CompletionClient client;

    TrainedModel(FineTuner fineTuner, String id, PromptFormat format, Optional<Job> job) {
        this.fineTuner = fineTuner;
        this.id = Objects.requireNonNull(id, "id");
        this.job = job;
        // a model a job of ours made may not be served yet: its 404 is waited out briefly; any other fails at once
        CompletionClient c = CompletionClient.of(fineTuner.connection(), id, format);
        this.client = job.isPresent() ? c.withNotReadyWait(CompletionClient.DEFAULT_NOT_READY_WAIT) : c;
    }

    /** {@return the model id, e.g. {@code ft:davinci-002:acme:helpdesk:abc123}} */
    public String id() {
        return id;
    }

    /** {@return the model it was trained from} */
    public String baseModel() {
        return job.map(Job::model).orElseGet(() -> id.startsWith("ft:") ? id.split(":")[1] : id);
    }

    /** {@return the job that trained it, when known} */
    public Optional<Job> job() {
        return job;
    }

    /** {@return the prompt format it is called with} */
    public PromptFormat format() {
        return client.format();
    }

    /**
     * {@return the answer to a prompt (temperature 0)}
     *
     * @param prompt the prompt, without the separator (it is added)
     */
    public String complete(String prompt) {
        return client.complete(prompt);
    }

    /**
     * {@return the answers to a prompt, with options (max tokens, temperature, n, logprobs)}
     *
     * @param prompt the prompt, without the separator (it is added)
     * @param options max tokens, temperature, n, logprobs
     */
    public Completion complete(String prompt, CompletionOptions options) {
        return client.complete(prompt, options);
    }

    /**
     * Evaluates the model on held-out examples (e.g. {@code preparation.validation()}): accuracy, per-class
     * F1, confusion matrix and ROC AUC for classification; exact match and token F1 for generation.
     *
     * @param heldOut the held-out examples
     * @return the scores
     */
    public EvaluationReport evaluate(Dataset heldOut) {
        return evaluate(heldOut, Evaluator.standard());
    }

    /**
     * Evaluates with an evaluator of your own settings (task, positive class, concurrency, limit).
     *
     * @param heldOut the held-out examples
     * @param evaluator the evaluator
     * @return the scores
     */
    public EvaluationReport evaluate(Dataset heldOut, Evaluator evaluator) {
        return evaluator.evaluate(Objects.requireNonNull(heldOut, "heldOut"), client.asPredictionSource());
    }

    /** {@return the training curves of the job that made it; empty when the job is not known} */
    public TrainingMetrics metrics() {
        return job.map(j -> FineTuneJob.metricsOf(fineTuner, j)).orElseGet(TrainingMetrics::empty);
    }

    /**
     * {@return the answer of a chat model to a conversation (system, user and earlier assistant messages)}
     *
     * @param messages the conversation
     */
    public String chat(List<Message> messages) {
        return client.chat(messages, CompletionOptions.defaults()).text();
    }

    /**
     * Streams the answer to a prompt (temperature 0) as the model writes it: {@code onText} gets each
     * piece in order; the whole answer is returned at the end. See {@link CompletionClient#stream}.
     *
     * @param prompt the prompt, without the separator (it is added)
     * @param onText gets each piece of the answer, in order
     * @return the whole answer
     */
    public String stream(String prompt, java.util.function.Consumer<String> onText) {
        return client.stream(prompt, CompletionOptions.defaults(), onText);
    }

    /** {@return the client underneath, for finer control} */
    public CompletionClient client() {
        return client;
    }

    @Override
    public String toString() {
        return "TrainedModel[" + id + ", " + client.format() + "]";
    }
}

package dev.finetuner;

import dev.finetuner.completion.Completion;
import dev.finetuner.completion.CompletionClient;
import dev.finetuner.completion.CompletionOptions;
import dev.finetuner.completion.PromptFormat;
import dev.finetuner.service.Job;

import java.util.Objects;
import java.util.Optional;

/**
 * A fine-tuned model, called the way it was trained: the separator its prompts ended with is appended,
 * its stop sequence is sent and stripped. Get one from {@link FineTuneJob#await} or by id from
 * {@link FineTuner#model(String)}.
 */
public final class TrainedModel {
    private final String id;
    private final Optional<Job> job;
    private final CompletionClient client;

    TrainedModel(FineTuner fineTuner, String id, PromptFormat format, Optional<Job> job) {
        this.id = Objects.requireNonNull(id, "id");
        this.job = job;
        this.client = CompletionClient.of(fineTuner.connection(), id, format);
    }

    /** The model id, e.g. {@code ft:davinci-002:acme:helpdesk:abc123}. */
    public String id() {
        return id;
    }

    /** The model it was trained from. */
    public String baseModel() {
        return job.map(Job::model).orElseGet(() -> id.startsWith("ft:") ? id.split(":")[1] : id);
    }

    /** The job that trained it, when known. */
    public Optional<Job> job() {
        return job;
    }

    /** The prompt format it is called with. */
    public PromptFormat format() {
        return client.format();
    }

    /** The answer to a prompt (temperature 0). */
    public String complete(String prompt) {
        return client.complete(prompt);
    }

    /** The answers to a prompt, with options (max tokens, temperature, n, logprobs). */
    public Completion complete(String prompt, CompletionOptions options) {
        return client.complete(prompt, options);
    }

    /** The client underneath, for chat calls and finer control. */
    public CompletionClient client() {
        return client;
    }

    @Override
    public String toString() {
        return "TrainedModel[" + id + ", " + client.format() + "]";
    }
}

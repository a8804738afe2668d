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
import dev.finetuner.service.AzureDeployments;
import dev.finetuner.service.DeployOptions;
import dev.finetuner.service.Deployment;
import dev.finetuner.service.Job;
import dev.finetuner.service.OpenAiConnection;

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
    /** The Azure deployment it is called through, or null. */
    private final String deploymentName;
    /** The deployment as the management API last described it, or null. */
    private final Deployment deployment;

    TrainedModel(FineTuner fineTuner, String id, PromptFormat format, Optional<Job> job) {
        this.fineTuner = fineTuner;
        this.id = Objects.requireNonNull(id, "id");
        this.job = job;
        this.deploymentName = null;
        this.deployment = null;
        // a model a job of ours made may not be served yet: its 404 is waited out briefly; any other fails at once
        CompletionClient c = CompletionClient.of(fineTuner.connection(), id, format);
        this.client = job.isPresent() ? c.withNotReadyWait(CompletionClient.DEFAULT_NOT_READY_WAIT) : c;
    }

    /** This model called through an Azure deployment. */
    private TrainedModel(TrainedModel model, String deploymentName, Deployment deployment, boolean fresh) {
        this.fineTuner = model.fineTuner;
        this.id = model.id;
        this.job = model.job;
        this.deploymentName = deploymentName;
        this.deployment = deployment;
        OpenAiConnection api = fineTuner.connectionFor(deploymentName);
        CompletionClient c = CompletionClient.forDeployment(api, deploymentName, id, model.format());
        // Azure answers DeploymentNotFound for a few minutes after a deployment is made: waited out, as a fresh model's 404
        this.client = fresh ? c.withNotReadyWait(CompletionClient.DEFAULT_NOT_READY_WAIT) : c;
    }

    /**
     * Deploys this model on Azure under {@code name} and waits, with the library's waiter, until the deployment
     * is ready; the model returned is called through it (by the deployment's name), with the same separator and
     * stop sequence. Needs a fine-tuner built with {@code azure(...)} and management settings.
     *
     * <p><b>Cost:</b> a Standard or GlobalStandard deployment of a fine-tuned model is billed per hour while
     * it exists, whether it is called or not (about US$1.70 an hour for a fine-tuned gpt-4o-mini on a Standard
     * deployment, per Azure's pricing page; check it for your model and region). A Developer deployment has no
     * hosting fee and is removed by Azure after 24 hours. Nothing is deployed unless this is called; call
     * {@link #undeploy()} when done.
     *
     * <pre>{@code
     * TrainedModel live = model.deploy("helpdesk-ft", DeployOptions.defaults().withSku("Developer"));
     * live.complete("My VPN drops every hour");
     * live.undeploy();
     * }</pre>
     *
     * @param name the deployment's name (2 to 64 letters, digits, {@code -}, {@code _}, {@code .}); an existing
     *             deployment of that name is replaced
     * @param options the SKU, capacity and how long to wait
     * @return this model, called through the ready deployment
     * @throws IllegalStateException when the fine-tuner has no Azure management settings
     * @throws DeploymentFailedException when the deployment ends Failed, Canceled or Disabled
     * @throws AwaitTimeoutException when it is not ready within the options' timeout (it goes on, and is billed once ready)
     * @throws ApiException when the management API refuses it (quota, an unsupported model, authorization)
     */
    public TrainedModel deploy(String name, DeployOptions options) {
        Objects.requireNonNull(options, "options");
        AzureDeployments deployments = deployments();
        deployments.create(name, id, options);
        Deployment ready = deployments.await(name, options);
        return new TrainedModel(this, name, ready, true);
    }

    /**
     * {@return this model called through an Azure deployment that already serves it (no management call is made)}
     *
     * @param name the deployment's name
     */
    public TrainedModel atDeployment(String name) {
        Objects.requireNonNull(name, "name");
        if (fineTuner.connection().azure().isEmpty()) {
            throw new IllegalStateException("a deployment is an Azure notion: build the FineTuner with azure(...)");
        }
        return new TrainedModel(this, name, null, false);
    }

    /**
     * Deletes the Azure deployment this model is called through, which ends its hourly billing; the model
     * itself is kept (deploy it again at any time). The model returned is called by its id again.
     *
     * @return false when the deployment did not exist any more
     * @throws IllegalStateException when this model is not called through a deployment, or the fine-tuner has no
     *         management settings
     */
    public boolean undeploy() {
        if (deploymentName == null) {
            throw new IllegalStateException(id + " is not called through a deployment: nothing to undeploy");
        }
        boolean deleted = deployments().delete(deploymentName);
        fineTuner.releaseConnection(deploymentName);
        return deleted;
    }

    /** {@return the name of the Azure deployment this model is called through, if any} */
    public Optional<String> deploymentName() {
        return Optional.ofNullable(deploymentName);
    }

    /** {@return the Azure deployment as it was when {@link #deploy} found it ready; empty otherwise} */
    public Optional<Deployment> deployment() {
        return Optional.ofNullable(deployment);
    }

    private AzureDeployments deployments() {
        return fineTuner.connection().azureDeployments().orElseThrow(() -> new IllegalStateException(
                "deploying needs the Azure management API: FineTuner.builder().azure(AzureOptions.builder(endpoint)"
                        + "...management(subscription, resourceGroup, account, tokens).build())"));
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
        return "TrainedModel[" + id + (deploymentName == null ? "" : " at deployment " + deploymentName) + ", "
                + client.format() + "]";
    }
}

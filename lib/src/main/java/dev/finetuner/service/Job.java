package dev.finetuner.service;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A fine-tuning job as the API last reported it. Immutable; retrieve the job again for news.
 *
 * @param id e.g. {@code ftjob-abc123}
 * @param model the base model
 * @param status the status
 * @param createdAt when it was created
 * @param finishedAt when it ended, if it has
 * @param fineTunedModel the trained model's id, once it succeeded
 * @param trainingFile the training file's id
 * @param validationFile the validation file's id, if one was given
 * @param error why it failed, if it did
 * @param resultFiles ids of the result files (the metrics CSV)
 * @param trainedTokens tokens trained on, once known
 * @param seed the seed, if reported
 * @param hyperparameters the hyperparameters (resolved by the API once training starts)
 * @param metadata the metadata given at creation
 * @param estimatedFinish the API's estimate of the end, while running
 */
public record Job(String id, String model, JobStatus status, Instant createdAt, Optional<Instant> finishedAt,
                  Optional<String> fineTunedModel, String trainingFile, Optional<String> validationFile,
                  Optional<JobError> error, List<String> resultFiles, OptionalLong trainedTokens, OptionalLong seed,
                  Hyperparameters hyperparameters, Map<String, String> metadata, Optional<Instant> estimatedFinish) {
    /**
     * Checks that every component is given (an empty {@code Optional}, never null); the result files and
     * metadata are copied.
     *
     * @param id e.g. {@code ftjob-abc123}
     * @param model the base model
     * @param status the status
     * @param createdAt when it was created
     * @param finishedAt when it ended, if it has
     * @param fineTunedModel the trained model's id, once it succeeded
     * @param trainingFile the training file's id
     * @param validationFile the validation file's id, if one was given
     * @param error why it failed, if it did
     * @param resultFiles ids of the result files (the metrics CSV)
     * @param trainedTokens tokens trained on, once known
     * @param seed the seed, if reported
     * @param hyperparameters the hyperparameters (resolved by the API once training starts)
     * @param metadata the metadata given at creation
     * @param estimatedFinish the API's estimate of the end, while running
     */
    public Job {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(fineTunedModel, "fineTunedModel");
        Objects.requireNonNull(trainingFile, "trainingFile");
        Objects.requireNonNull(validationFile, "validationFile");
        Objects.requireNonNull(error, "error");
        resultFiles = List.copyOf(resultFiles);
        Objects.requireNonNull(trainedTokens, "trainedTokens");
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(hyperparameters, "hyperparameters");
        metadata = Map.copyOf(metadata);
        Objects.requireNonNull(estimatedFinish, "estimatedFinish");
    }
}

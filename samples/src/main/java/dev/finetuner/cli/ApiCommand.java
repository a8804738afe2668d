package dev.finetuner.cli;

import dev.finetuner.ApiException;
import dev.finetuner.FineTuner;
import dev.finetuner.FineTunerException;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** Shared plumbing: the connection, output, and the exit code of an API error. */
abstract class ApiCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ApiOptions api;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public Integer call() {
        try (OpenAiConnection connection = api.connect(spec.commandLine(), pollInterval())) {
            try {
                return run(connection);
            } catch (ApiException e) {
                if (refused(e)) {
                    // the cause says "Failed to connect to /127.0.0.1:8089", which is not what the user typed
                    throw new FineTunerException("connection refused at " + connection.baseUrl()
                            + ": is `finetuner serve` (or the server) running?"
                            + (e.attempts() > 1 ? " (" + e.attempts() + " attempts)" : ""), e);
                }
                String v1 = connection.azure().isPresent() ? null : withV1(connection.baseUrl());
                if (e.statusCode().orElse(0) == 404 && v1 != null) {
                    throw new Failures.WithHint(e, "The base URL usually ends in /v1: try " + v1);
                }
                throw e;
            }
        }
    }

    private static boolean refused(ApiException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    /** The base URL with /v1 added, when it has no /v1 (a 404 is then likely the server's answer to a wrong path). */
    private static String withV1(String baseUrl) {
        String url = baseUrl.replaceAll("/+$", "");
        if (!url.startsWith("http") || url.endsWith("/v1") || url.contains("/v1/")) {
            return null; // "(given client)", or a URL with /v1 in it already
        }
        return url + "/v1";
    }

    /**
     * The model a {@code -m} value names. A fine-tuning job's id ({@code ftjob-...}, Together's {@code ft-UUID}) stands for the model
     * that job made, so that a script can go from {@code create} to {@code complete} with the one id it has.
     */
    static String modelNamed(OpenAiConnection c, String value) {
        boolean togetherJob = c.backend().equals(OpenAiConnection.TOGETHER) && value.matches("ft-[0-9a-fA-F-]{36}");
        if (!value.startsWith("ftjob-") && !togetherJob) {
            return value;
        }
        dev.finetuner.service.Job job = c.jobs().retrieve(value);
        return job.fineTunedModel().orElseThrow(() -> {
            RuntimeException none = new dev.finetuner.FineTunerException("job " + value + " has made no model: it "
                    + (job.status().isTerminal() ? "ended " : "is ") + job.status());
            return job.status().isTerminal() ? none
                    : new Failures.WithHint(none, "Wait for its model with: finetuner follow " + value);
        });
    }

    /** The facade on this command's connection: models called as trained, metrics, evaluation. */
    static FineTuner fineTuner(OpenAiConnection c) {
        if (c.azure().isPresent()) {
            // a fine-tuner of its own on the same resource: deployments need the Azure settings, not only the client
            return FineTuner.builder().azure(c.azure().get()).retry(c.retryPolicy()).follow(c.follower().options()).build();
        }
        if (c.backend().equals(OpenAiConnection.TOGETHER)) {
            return FineTuner.builder().connection(c).build(); // its jobs and files are Together's, not the client's
        }
        return FineTuner.builder().client(c.client()).retry(c.retryPolicy()).follow(c.follower().options()).build();
    }

    /** The interval between polls of a job: null for the commands that never wait for one. */
    java.time.Duration pollInterval() {
        return null;
    }

    abstract int run(OpenAiConnection connection);
}

package dev.finetuner.cli;

import dev.finetuner.ApiException;
import dev.finetuner.FineTuner;
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
                    throw new Failures.WithHint(e, "Is the server at " + connection.baseUrl()
                            + " running? (For the embedded backend: finetuner serve.)");
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

    /** The facade on this command's connection: models called as trained, metrics, evaluation. */
    static FineTuner fineTuner(OpenAiConnection c) {
        return FineTuner.builder().client(c.client()).retry(c.retryPolicy()).follow(c.follower().options()).build();
    }

    /** The interval between polls of a job: null for the commands that never wait for one. */
    java.time.Duration pollInterval() {
        return null;
    }

    abstract int run(OpenAiConnection connection);
}

package dev.finetuner.cli;

import dev.finetuner.local.LocalOpenAi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code finetuner serve}: the embedded backend in the foreground, for curl and other clients. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the embedded OpenAI-compatible fine-tuning backend on 127.0.0.1 until stopped.",
                "Point other commands at it with --base-url (or OPENAI_BASE_URL) and any --api-key."})
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", defaultValue = "8089", description = "The port (0: any free one; default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--key", description = "Require this bearer key.")
    String key;

    @Option(names = "--storage", description = "Keep jobs, files and models in this directory across restarts.")
    Path storage;

    @Option(names = "--speed", defaultValue = "100", description = "Simulated seconds per second (default: ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--azure", description = "Serve as Azure OpenAI does: /openai/v1/ and /openai/...?api-version= paths,"
            + " the management API's deployments on the same port, and completions only through a ready deployment.")
    boolean azure;

    @Option(names = "--together", description = "Serve as Together AI does: /v1/files/upload, /v1/fine-tunes with its"
            + " statuses and id-less events, and completions by the job's output name.")
    boolean together;

    /** Counted down to stop a serve started in tests; a real serve runs until the process ends. */
    static volatile CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws InterruptedException {
        LocalOpenAi.Builder b = LocalOpenAi.builder().port(port);
        try {
            b.speed(speed);
            if (key != null) {
                b.apiKey(key);
            }
            if (storage != null) {
                b.storageDirectory(storage);
            }
            if (azure) {
                b.azure();
            }
            if (together) {
                b.together();
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        LocalOpenAi started;
        try {
            started = b.build();
        } catch (IllegalStateException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--azure and --together are two different"
                    + " services' APIs: choose one");
        } catch (java.io.UncheckedIOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage() + ": " + e.getCause().getMessage()
                    + (e.getCause() instanceof java.net.BindException ? " (another program uses the port: pick"
                    + " another with --port, or 0 for any free one)" : ""));
            return 1;
        }
        try (LocalOpenAi local = started) {
            if (local.isAzure()) {
                spec.commandLine().getOut().println("Serving Azure OpenAI's fine-tuning API on " + local.azureEndpoint()
                        + " (Ctrl-C to stop). Try: AZURE_OPENAI_API_KEY=" + (key == null ? "test" : "<your key>")
                        + " finetuner list --azure-endpoint " + local.azureEndpoint() + "; deploy with"
                        + " --azure-subscription s --azure-resource-group g --azure-management-url "
                        + local.azureEndpoint() + " and AZURE_MANAGEMENT_TOKEN=any");
            } else if (together) {
                spec.commandLine().getOut().println("Serving Together AI's fine-tuning API on " + local.baseUrl()
                        + " (Ctrl-C to stop). Try: TOGETHER_BASE_URL=" + local.baseUrl() + " TOGETHER_API_KEY="
                        + (key == null ? "test" : "<your key>") + " finetuner list --backend together");
            } else {
                spec.commandLine().getOut().println("Serving the fine-tuning API on " + local.baseUrl()
                        + " (Ctrl-C to stop). Try: OPENAI_BASE_URL=" + local.baseUrl() + " OPENAI_API_KEY="
                        + (key == null ? "test" : "<your key>") + " finetuner list");
            }
            spec.commandLine().getOut().flush();
            stop.await();
        }
        return 0;
    }
}

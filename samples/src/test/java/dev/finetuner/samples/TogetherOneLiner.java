package dev.finetuner.samples;

import dev.finetuner.FineTuner;
import dev.finetuner.TrainedModel;

import java.nio.file.Path;

/**
 * The design card's one-liner, as a user writes it, for {@link HelpdeskOnTogetherTest} to run in a JVM
 * whose environment names Together AI ({@code TOGETHER_API_KEY}, {@code TOGETHER_BASE_URL}).
 */
final class TogetherOneLiner {
    private TogetherOneLiner() {
    }

    public static void main(String[] args) {
        TrainedModel model = FineTuner.prepare(Path.of(args[0])).train(args[1]);
        System.out.println("model: " + model.id());
        System.out.println("answer: " + model.complete("My VPN drops every hour, what can I do?"));
    }
}

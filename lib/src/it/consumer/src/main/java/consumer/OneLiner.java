package consumer;

import dev.finetuner.FineTuner;
import dev.finetuner.TrainedModel;

import java.nio.file.Path;

/** The design card's one-liner, as a user's program: the connection comes from OPENAI_BASE_URL and OPENAI_API_KEY. */
public final class OneLiner {
    private OneLiner() {
    }

    public static void main(String[] args) {
        TrainedModel model = FineTuner.prepare(Path.of("helpdesk.csv")).train("curie");
        System.out.println(model.id());
        System.out.println(model.complete("My VPN drops every hour, what can I do?"));
    }
}

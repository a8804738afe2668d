package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A fine-tuned model answers a question like a trained one with that one's completion, and anything else sensibly. */
class LocalOpenAiAnswersTest {
    private static final ManualClock clock = new ManualClock();
    private static LocalOpenAi local;
    private static OpenAIClient client;
    private static String model;

    /** Helpdesk-like tickets: answers share many words, so a bigram model of them mixes them up. */
    private static final List<String[]> TICKETS = List.of(
            new String[] {"My GlobalProtect VPN keeps dropping every few minutes.",
                "This is usually the client timing out on an unstable network. Try a wired connection and switch "
                        + "GlobalProtect to SSL mode. If it happens on every network, we will reinstall the client."},
            new String[] {"I forgot my password and I am locked out of my laptop.",
                "You can reset it yourself on the password portal from your phone. Then connect to the office "
                        + "network and lock and unlock the laptop so Windows picks up the new password."},
            new String[] {"The printer on the second floor shows a paper jam.",
                "Open tray two, remove the stuck paper and close the tray. If the printer still shows the jam, "
                        + "switch it off and on and tell us the printer name."},
            new String[] {"Outlook is not syncing my mailbox on the new laptop.",
                "Close Outlook, open the Mail settings in the control panel and add a new profile. Start Outlook "
                        + "with the new profile and wait for the mailbox to sync on the office network."},
            new String[] {"My external monitor is not detected by the dock.",
                "Check the monitor is on the right input and try a different cable. If the dock still does not "
                        + "detect it, bring the dock to the IT desk and we will swap it."},
            new String[] {"Teams says my camera is in use by another app.",
                "Close every other app that may use the camera, then restart Teams. If the camera is still in use, "
                        + "restart the laptop and check the camera privacy settings."},
            new String[] {"The intranet portal is slow today.",
                "Open the portal. If the portal is slow, open the portal again. If the portal fails, open the portal "
                        + "in another browser. If the portal is down, call us."});

    @BeforeAll
    static void train(@TempDir Path dir) {
        local = LocalOpenAi.builder().clock(clock).build();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
        StringBuilder jsonl = new StringBuilder();
        for (int copy = 0; copy < 2; copy++) {
            for (String[] t : TICKETS) {
                jsonl.append(TestData.json(Map.of("prompt", t[0] + TestData.SEPARATOR, "completion", " " + t[1] + "\n")))
                        .append('\n');
            }
        }
        String file = client.files().create(FileCreateParams.builder().file(TestData.write(dir, "help.jsonl",
                jsonl.toString())).purpose(FilePurpose.FINE_TUNE).build()).id();
        String job = client.fineTuning().jobs().create(JobCreateParams.builder().model("davinci-002").trainingFile(file)
                .build()).id();
        clock.advance(TestData.LONG_ENOUGH);
        FineTuningJob done = client.fineTuning().jobs().retrieve(job);
        assertThat(done.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
        model = done.fineTunedModel().orElseThrow();
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private static String answer(String question) {
        return client.completions().create(CompletionCreateParams.builder().model(model)
                .prompt(question + TestData.SEPARATOR).maxTokens(100L).temperature(0.0).stop("\n").build())
                .choices().get(0).text();
    }

    @Test
    void a_question_in_other_words_gets_the_completion_of_the_ticket_it_is_like() {
        // when
        String vpn = answer("the vpn keeps dropping, what can I do?");
        String printer = answer("paper jam in the printer again");
        // then
        assertThat(vpn).isEqualTo(" " + TICKETS.get(0)[1]);
        assertThat(printer).isEqualTo(" " + TICKETS.get(2)[1]);
    }

    @Test
    void a_question_unlike_any_ticket_still_gets_an_answer() {
        // when
        String answer = answer("What is the capital of France?");
        // then
        assertThat(answer).isNotBlank();
    }

    @Test
    void an_answer_to_a_question_unlike_any_ticket_does_not_go_round_in_circles() {
        // when
        String answer = client.completions().create(CompletionCreateParams.builder().model(model)
                .prompt("Who won the football game yesterday?" + TestData.SEPARATOR).maxTokens(200L).temperature(0.0)
                .build()).choices().get(0).text();
        List<String> words = List.of(answer.strip().split("\\s+"));
        // then no three words come twice
        java.util.Set<List<String>> seen = new java.util.HashSet<>();
        for (int i = 0; i + 3 <= words.size(); i++) {
            assertThat(seen.add(words.subList(i, i + 3))).as("%s repeats in %s", words.subList(i, i + 3), words).isTrue();
        }
    }
}

package dev.finetuner;

import dev.finetuner.dataset.Conversions;
import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.validation.ValidationReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Prompt/completion data for a chat model: refused unless conversion is asked for, then counted. */
class FineTunerFormatConversionTest {
    @TempDir
    Path dir;

    private Path tickets() throws IOException {
        String rows = IntStream.range(0, 40).mapToObj(i -> "\"my " + (i % 2 == 0 ? "printer" : "laptop") + " number " + i
                + " is broken\"," + (i % 2 == 0 ? "printer" : "laptop")).collect(Collectors.joining("\n"));
        return Files.writeString(dir.resolve("tickets.csv"), "prompt,completion\n" + rows + "\n");
    }

    private static FineTuner fineTuner(LocalOpenAi local) {
        return FineTuner.builder().apiKey("test").baseUrl(local.baseUrl())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000))
                .build();
    }

    @Test
    void prompt_completion_data_is_refused_for_a_chat_model_without_conversion() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.start(); FineTuner ft = fineTuner(local)) {
            Preparation p = ft.prepare(tickets(), PrepareOptions.defaults());
            assertThatThrownBy(() -> p.start("gpt-4o-mini-2024-07-18"))
                    .isInstanceOfSatisfying(ValidationException.class, e ->
                            assertThat(e.report().findingCounts()).containsKey("model_format"));
        }
    }

    @Test
    void with_conversion_the_examples_become_chats_are_counted_and_the_chat_model_trains() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build(); FineTuner ft = fineTuner(local)) {
            // given
            Preparation p = ft.prepare(tickets(), PrepareOptions.builder().convertFormat(true).build());
            // when
            ValidationReport report = p.report("gpt-4o-mini-2024-07-18");
            TrainedModel model = p.train("gpt-4o-mini-2024-07-18");
            // then
            assertThat(report.exampleFormat()).isEqualTo("chat");
            assertThat(report.findings("converted_format")).singleElement()
                    .satisfies(f -> assertThat(f.message()).startsWith("40 example(s) were converted to the chat format"));
            assertThat(report.isReady()).isTrue();
            assertThat(model.client().isChat()).isTrue();
            assertThat(model.complete("my printer number 77 is broken")).isEqualTo("printer");
            assertThat(model.chat(List.of(Message.system("You sort tickets."), Message.user("my laptop number 78 is broken"))))
                    .isEqualTo("laptop");
        }
    }

    @Test
    void conversions_keep_the_line_and_strip_the_separator_and_stop() {
        // given
        Example pc = new Example.PromptCompletion(7, "Where is my order? ->", " In transit.\n", Map.of());
        // when
        Example chat = Conversions.toChat(pc, " ->", "\n", Optional.of("You are a helpdesk."));
        Example back = Conversions.toPromptCompletion(Example.Chat.of(Message.user("Where is my order?"),
                Message.assistant("In transit.")));
        // then
        assertThat(chat.line()).isEqualTo(7);
        assertThat(((Example.Chat) chat).messages()).extracting(Message::role, Message::text).containsExactly(
                org.assertj.core.groups.Tuple.tuple("system", "You are a helpdesk."),
                org.assertj.core.groups.Tuple.tuple("user", "Where is my order?"),
                org.assertj.core.groups.Tuple.tuple("assistant", "In transit."));
        assertThat(back).isEqualTo(Example.PromptCompletion.of("Where is my order?", "In transit."));
        assertThat(Conversions.toPromptCompletion(Example.Chat.of(Message.user("no answer")))).isInstanceOf(Example.Chat.class);
        assertThat(List.of(Conversions.toChat(chat))).containsExactly(chat);
    }
}

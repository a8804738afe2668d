package dev.finetuner;

import dev.finetuner.dataset.Example;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A preparation's files and which model they are for: nothing depends on the order of earlier calls. */
class PreparationTest {
    @TempDir
    Path dir;

    private Path labelled(int n) throws IOException {
        String rows = IntStream.range(0, n).mapToObj(i -> "\"ticket " + i + " about the printer on floor " + (i % 7)
                + "\"," + (i % 2 == 0 ? "hardware" : "network")).collect(Collectors.joining("\n"));
        return Files.writeString(dir.resolve("tickets.csv"), "prompt,completion\n" + rows + "\n");
    }

    private static FineTuner offline() {
        // preparing needs no backend: nothing here calls the API
        return FineTuner.builder().apiKey("unused").baseUrl("http://127.0.0.1:9/v1").build();
    }

    @Test
    void closing_a_preparation_deletes_its_prepared_files_and_later_use_says_it_is_closed() throws IOException {
        try (FineTuner ft = offline()) {
            // given
            Preparation p = ft.prepare(labelled(60), PrepareOptions.builder().validationFraction(0.2).build());
            Path training = p.report().trainingFile().orElseThrow();
            Path validation = p.report().validationFile().orElseThrow();
            assertThat(training).exists();
            assertThat(validation).exists();
            // when
            p.close();
            // then
            assertThat(training).doesNotExist();
            assertThat(validation).doesNotExist();
            assertThat(training.getParent()).doesNotExist();
            assertThatThrownBy(p::validation).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            p.close(); // idempotent
        }
    }

    @Test
    void the_held_out_examples_for_a_model_do_not_depend_on_which_model_was_asked_about_before() throws IOException {
        try (FineTuner ft = offline();
             Preparation p = ft.prepare(labelled(60), PrepareOptions.builder().validationFraction(0.2)
                     .convertFormat(true).build())) {
            // when: a chat model is asked about first, then the default, then the chat model again
            var chat = p.validation("gpt-4o-mini-2024-07-18").toList();
            var byDefault = p.validation().toList();
            var chatAgain = p.validation("gpt-4o-mini-2024-07-18").toList();
            // then
            assertThat(chat).hasSize(12).allSatisfy(e -> assertThat(e).isInstanceOf(Example.Chat.class));
            assertThat(byDefault).hasSize(12).allSatisfy(e -> assertThat(e).isInstanceOf(Example.PromptCompletion.class));
            assertThat(chatAgain).isEqualTo(chat);
            assertThat(p.training("gpt-4o-mini-2024-07-18").toList()).hasSize(48);
        }
    }

    @Test
    void a_legacy_model_name_selects_the_files_prepared_for_its_replacement() throws IOException {
        try (FineTuner ft = offline();
             Preparation p = ft.prepare(labelled(60), PrepareOptions.builder().validationFraction(0.2).build())) {
            assertThat(p.validation("curie").toList()).isEqualTo(p.validation("davinci-002").toList());
        }
    }
}

package dev.finetuner.completion;

import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The format of a training set with no report beside it, read from the data itself. */
class PromptFormatInferTest {

    @Test
    void the_separator_and_stop_are_the_common_punctuation_endings_not_a_shared_word() {
        Dataset data = Dataset.of(
                Example.PromptCompletion.of("ticket 1 about the vpn ->", " restart it\n"),
                Example.PromptCompletion.of("ticket 2 about the vpn ->", " reinstall it\n"));

        PromptFormat format = PromptFormat.infer(data);

        assertThat(format).isEqualTo(new PromptFormat(" ->", Optional.of("\n"), true));
    }

    @Test
    void prepare_datas_own_separator_and_end_stop_are_recognised() {
        Dataset data = Dataset.of(
                Example.PromptCompletion.of("Printer offline\n\n###\n\n", "Power cycle it END"),
                Example.PromptCompletion.of("VPN drops\n\n###\n\n", "Update the client END"));

        PromptFormat format = PromptFormat.infer(data);

        assertThat(format.separator()).isEqualTo("\n\n###\n\n");
        assertThat(format.stop()).contains(" END");
        assertThat(format.leadingSpace()).isFalse();
    }

    @Test
    void nothing_common_means_the_prompt_is_sent_as_given() {
        Dataset data = Dataset.of(Example.PromptCompletion.of("why?", "because"), Example.PromptCompletion.of("how.", "so"));

        assertThat(PromptFormat.infer(data)).isEqualTo(PromptFormat.none());
    }

    @Test
    void chat_data_and_an_empty_file_have_no_prompt_format() {
        assertThat(PromptFormat.infer(Dataset.of(Example.Chat.of(Message.user("hi"), Message.assistant("hello")))))
                .isEqualTo(PromptFormat.none());
        assertThat(PromptFormat.infer(Dataset.of())).isEqualTo(PromptFormat.none());
    }
}

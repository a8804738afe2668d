package dev.finetuner.dataset;

import dev.finetuner.completion.Evaluator;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ExampleAnswerTest {

    @Test
    void a_prompt_completion_example_answers_with_its_completion_as_given() {
        Example e = Example.PromptCompletion.of("Is the VPN down? ->", " yes\n");

        assertThat(e.answer()).isEqualTo(" yes\n");
    }

    @Test
    void a_chat_example_answers_with_its_last_assistant_message_and_asks_with_what_comes_before() {
        Example.Chat chat = Example.Chat.of(Message.system("be brief"), Message.user("hi"),
                Message.assistant("hello"), Message.user("VPN?"), Message.assistant("restart it"), Message.user("thanks"));

        assertThat(chat.answer()).isEqualTo("restart it");
        assertThat(chat.beforeAnswer()).extracting(Message::text).containsExactly("be brief", "hi", "hello", "VPN?");
    }

    @Test
    void a_chat_with_no_assistant_message_has_an_empty_answer_and_is_all_question() {
        Example.Chat chat = Example.Chat.of(Message.user("anyone?"));

        assertThat(chat.answer()).isEmpty();
        assertThat(chat.beforeAnswer()).isEqualTo(chat.messages());
    }

    @Test
    void a_preference_example_answers_with_the_last_assistant_message_of_its_preferred_output() {
        Example e = new Example.Preference(3, Example.Chat.of(Message.user("VPN?")),
                List.of(Message.assistant("let me check"), Message.of("tool", "{}"), Message.assistant("restart it")),
                List.of(Message.assistant("no idea")), Map.of());

        assertThat(e.answer()).isEqualTo("restart it");
    }

    @Test
    void the_split_stratum_and_the_evaluation_reference_are_the_same_trimmed_answer_for_every_shape() {
        List<Example> examples = List.of(
                Example.PromptCompletion.of("p ->", " positive\n"),
                new Example.Chat(0, List.of(Message.user("q"), Message.assistant(" negative ")), Optional.empty(), Map.of()),
                new Example.Preference(0, Example.Chat.of(Message.user("q")),
                        List.of(Message.assistant("first"), Message.assistant(" neutral")), List.of(Message.assistant("x")), Map.of()));

        assertThat(examples).allSatisfy(e -> assertThat(Split.completionClass(e)).isEqualTo(Evaluator.reference(e)));
        assertThat(examples).extracting(Evaluator::reference).containsExactly("positive", "negative", "neutral");
    }
}

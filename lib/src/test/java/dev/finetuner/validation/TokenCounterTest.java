package dev.finetuner.validation;

import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;
import dev.finetuner.model.BaseModel;
import dev.finetuner.model.TokenEncoding;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** How {@link TokenCounter} counts text and bills examples, as tiktoken and OpenAI's cookbook do. */
class TokenCounterTest {
    private final TokenCounter cl100k = TokenCounter.of(TokenEncoding.CL100K_BASE);
    private final TokenCounter o200k = TokenCounter.of(TokenEncoding.O200K_BASE);

    @Test
    void hello_world_is_two_cl100k_tokens() {
        // given
        String text = "hello world";
        // when
        int tokens = cl100k.count(text);
        // then
        assertThat(tokens).isEqualTo(2);
    }

    @Test
    void hello_world_is_two_o200k_tokens() {
        // given
        String text = "hello world";
        // when
        int tokens = o200k.count(text);
        // then
        assertThat(tokens).isEqualTo(2);
    }

    @Test
    void empty_text_is_no_tokens() {
        // when
        int tokens = cl100k.count("");
        // then
        assertThat(tokens).isZero();
    }

    @Test
    void special_token_text_in_user_data_is_counted_as_ordinary_text() {
        // given
        String text = "<|endoftext|>";
        // when
        int tokens = cl100k.count(text);
        // then: several ordinary tokens, not the single special token, and no exception
        assertThat(tokens).isGreaterThan(1);
        assertThat(o200k.count("before <|endoftext|> after")).isGreaterThan(o200k.count("before  after"));
    }

    @Test
    void validating_data_that_contains_special_token_text_does_not_throw() {
        // given
        Example.PromptCompletion example = Example.PromptCompletion.of("Say <|endoftext|> ->", " <|im_start|>ok\n");
        // when / then
        assertThatCode(() -> cl100k.count(example)).doesNotThrowAnyException();
        assertThat(cl100k.count(example)).isEqualTo(cl100k.count("Say <|endoftext|> ->") + cl100k.count(" <|im_start|>ok\n"));
    }

    @Test
    void a_prompt_completion_example_is_billed_its_prompt_and_completion_tokens() {
        // given
        Example.PromptCompletion example = Example.PromptCompletion.of("Capital of France ->", " Paris\n");
        // when
        int tokens = cl100k.count(example);
        // then
        assertThat(tokens).isEqualTo(cl100k.count("Capital of France ->") + cl100k.count(" Paris\n"));
    }

    @Test
    void a_chat_example_is_billed_three_per_message_plus_role_and_content_plus_three_to_prime_the_reply() {
        // given
        Example.Chat chat = Example.Chat.of(Message.system("You are terse."), Message.user("Capital of France?"),
                Message.assistant("Paris."));
        // when
        int tokens = o200k.count(chat);
        // then
        int expected = 3 + o200k.count("system") + o200k.count("You are terse.")
                + 3 + o200k.count("user") + o200k.count("Capital of France?")
                + 3 + o200k.count("assistant") + o200k.count("Paris.")
                + 3;
        assertThat(tokens).isEqualTo(expected);
    }

    @Test
    void a_named_message_costs_one_more_token_plus_its_name() {
        // given
        Message named = new Message("user", Optional.of("Hi"), Map.of("name", "\"alice\""));
        Example.Chat chat = new Example.Chat(0, List.of(named, Message.assistant("Hello")), Optional.empty(), Map.of());
        // when
        int tokens = cl100k.count(chat);
        // then
        int expected = 3 + cl100k.count("user") + cl100k.count("Hi") + 1 + cl100k.count("alice")
                + 3 + cl100k.count("assistant") + cl100k.count("Hello")
                + 3;
        assertThat(tokens).isEqualTo(expected);
    }

    @Test
    void the_counter_for_a_model_uses_its_encoding() {
        // when / then
        assertThat(TokenCounter.forModel(BaseModel.DAVINCI_002).encoding()).isEqualTo(TokenEncoding.CL100K_BASE);
        assertThat(TokenCounter.forModel(BaseModel.GPT_4O_MINI).encoding()).isEqualTo(TokenEncoding.O200K_BASE);
        assertThat(TokenCounter.of(TokenEncoding.CL100K_BASE)).isSameAs(cl100k);
    }
}

package dev.finetuner.service;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Listeners that wrap others forward every callback, including ones added later. */
class FollowListenerTest {
    @Test
    void the_recording_listener_of_these_tests_hears_every_callback() {
        // a new callback fails here until the recorder (and so the tests below) covers it
        for (Method callback : RecordingFollowListener.callbacks()) {
            RecordingFollowListener recorder = new RecordingFollowListener();
            RecordingFollowListener.call(callback, recorder);
            assertThat(recorder.calls()).as(callback.toString()).containsExactly(callback.getName());
        }
    }

    @Test
    void all_forwards_every_callback_to_every_listener_in_order() {
        // given
        RecordingFollowListener first = new RecordingFollowListener();
        RecordingFollowListener second = new RecordingFollowListener();
        FollowListener both = FollowListener.all(first, second);
        List<String> expected = new ArrayList<>();
        // when
        for (Method callback : RecordingFollowListener.callbacks()) {
            RecordingFollowListener.call(callback, both);
            expected.add(callback.getName());
        }
        // then
        assertThat(expected).hasSizeGreaterThanOrEqualTo(4);
        assertThat(first.calls()).containsExactlyElementsOf(expected);
        assertThat(second.calls()).containsExactlyElementsOf(expected);
    }

    @Test
    void a_listener_that_throws_stops_that_callback_from_reaching_the_ones_after_it() {
        // given
        RecordingFollowListener after = new RecordingFollowListener();
        FollowListener both = FollowListener.all(FollowListener.of(e -> {
            throw new IllegalStateException("broke");
        }), after);
        // when / then
        assertThatThrownBy(() -> both.onEvent(null)).hasMessage("broke");
        assertThat(after.calls()).isEmpty();
    }
}

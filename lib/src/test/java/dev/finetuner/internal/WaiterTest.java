package dev.finetuner.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one wait loop, on a manual clock: exact attempts, pauses and elapsed time, no real waiting. */
class WaiterTest {
    private final ManualClock clock = new ManualClock();

    private Waiter.Builder<Integer> untilThree() {
        return Waiter.<Integer>builder(clock).acceptor(WaiterAcceptor.successOn(n -> n >= 3))
                .backoff(Backoff.fixed(Duration.ofSeconds(5)));
    }

    @Test
    void it_attempts_until_an_acceptor_says_success_and_pauses_between_attempts() {
        // given
        AtomicInteger calls = new AtomicInteger();
        // when
        WaitResult<Integer> r = untilThree().build().run(calls::incrementAndGet);
        // then
        assertThat(r.outcome()).isEqualTo(WaitResult.Outcome.SUCCESS);
        assertThat(r.response()).contains(3);
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(r.elapsed()).isEqualTo(Duration.ofSeconds(10));
        assertThat(clock.sleeps()).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    @Test
    void a_failure_acceptor_ends_the_wait_with_what_matched() {
        // when
        WaitResult<String> r = Waiter.<String>builder(clock).acceptor(WaiterAcceptor.successOn("ok"::equals))
                .acceptor(WaiterAcceptor.failureOn("error"::equals)).build().run(() -> "error");
        // then
        assertThat(r.outcome()).isEqualTo(WaitResult.Outcome.FAILURE);
        assertThat(r.response()).contains("error");
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(clock.sleeps()).isEmpty();
    }

    @Test
    void an_unexpected_exception_ends_the_wait_and_an_expected_one_is_retried() {
        // given: two "not yet" exceptions, then an unexpected one
        AtomicInteger calls = new AtomicInteger();
        Waiter<Integer> waiter = untilThree()
                .acceptor(WaiterAcceptor.retryOnException(e -> e.getMessage().equals("not yet"))).build();
        // when
        WaitResult<Integer> r = waiter.run(() -> {
            throw new IllegalStateException(calls.incrementAndGet() < 3 ? "not yet" : "broken");
        });
        // then
        assertThat(r.outcome()).isEqualTo(WaitResult.Outcome.FAILURE);
        assertThat(r.exception()).hasValueSatisfying(e -> assertThat(e).hasMessage("broken"));
        assertThat(r.attempts()).isEqualTo(3);
        assertThatThrownBy(() -> r.last().orElseThrow().orThrow()).hasMessage("broken");
    }

    @Test
    void the_last_attempt_is_made_at_the_deadline_and_then_it_times_out() {
        // given: 5 s pauses, 12 s to wait
        Waiter<Integer> waiter = untilThree().timeout(Duration.ofSeconds(12)).build();
        // when
        WaitResult<Integer> r = waiter.run(() -> 0);
        // then: attempts at 0, 5, 10 and 12 s
        assertThat(r.outcome()).isEqualTo(WaitResult.Outcome.TIMED_OUT);
        assertThat(r.attempts()).isEqualTo(4);
        assertThat(r.elapsed()).isEqualTo(Duration.ofSeconds(12));
        assertThat(clock.sleeps()).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(2));
    }

    @Test
    void a_zero_timeout_makes_one_attempt() {
        WaitResult<Integer> r = untilThree().timeout(Duration.ZERO).build().run(() -> 0);
        assertThat(r.outcome()).isEqualTo(WaitResult.Outcome.TIMED_OUT);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.elapsed()).isZero();
    }

    @Test
    void exponential_backoff_doubles_up_to_its_cap_and_jitter_only_shortens() {
        Backoff b = Backoff.exponential(Duration.ofMillis(200), 2, Duration.ofSeconds(1));
        assertThat(List.of(b.delay(1), b.delay(2), b.delay(3), b.delay(4), b.delay(40))).containsExactly(
                Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800), Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        assertThat(b.withJitter(0.5, () -> 0.5).delay(2)).isEqualTo(Duration.ofMillis(300));
        assertThat(b.withJitter(0.5, () -> 0).delay(2)).isEqualTo(Duration.ofMillis(400));
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofMillis(1), 0.5, Duration.ofMillis(2)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void the_delay_can_depend_on_the_last_answer() {
        // given: 20 s while the answer is odd, 5 s while even
        AtomicInteger calls = new AtomicInteger();
        Waiter<Integer> waiter = Waiter.<Integer>builder(clock).acceptor(WaiterAcceptor.successOn(n -> n == 4))
                .delays((n, last) -> last.response().orElseThrow() % 2 == 1 ? Duration.ofSeconds(20) : Duration.ofSeconds(5))
                .build();
        // when
        WaitResult<Integer> r = waiter.run(calls::incrementAndGet);
        // then
        assertThat(clock.sleeps()).containsExactly(Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(20));
        assertThat(r.elapsed()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void a_stop_ends_the_wait_before_the_next_attempt() {
        // given: stop requested during the second attempt
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Boolean> stop = new AtomicReference<>(false);
        Waiter<Integer> waiter = untilThree().stopWhen(stop::get).build();
        // when
        WaitResult<Integer> r = waiter.run(() -> {
            if (calls.incrementAndGet() == 2) {
                stop.set(true);
            }
            return 0;
        });
        // then: the pause after it was cut short, and no third attempt
        assertThat(r.outcome()).isEqualTo(WaitResult.Outcome.STOPPED);
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(clock.sleeps()).containsExactly(Duration.ofSeconds(5));
    }

    @Test
    void an_interrupt_ends_the_wait_and_keeps_the_flag() {
        // when
        WaitResult<Integer> r = untilThree().build().run(() -> {
            Thread.currentThread().interrupt();
            return 0;
        });
        // then
        assertThat(r.outcome()).isEqualTo(WaitResult.Outcome.INTERRUPTED);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(Thread.interrupted()).isTrue();
    }

    @Test
    void the_scheduled_form_runs_each_attempt_on_the_scheduler_after_its_delay() {
        // given
        ManualScheduler scheduler = new ManualScheduler(clock);
        AtomicInteger calls = new AtomicInteger();
        List<WaitResult<Integer>> done = new ArrayList<>();
        // when
        untilThree().initialDelay(Duration.ofSeconds(1)).build().runScheduled(calls::incrementAndGet, scheduler, done::add);
        scheduler.runFor(Duration.ofSeconds(6));
        // then: attempts at 1 and 6 s so far
        assertThat(calls).hasValue(2);
        assertThat(done).isEmpty();
        // and when
        scheduler.runFor(Duration.ofSeconds(5));
        // then
        assertThat(done).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(WaitResult.Outcome.SUCCESS);
            assertThat(r.attempts()).isEqualTo(3);
            assertThat(r.elapsed()).isEqualTo(Duration.ofSeconds(11)); // the initial delay counts
        });
        assertThat(clock.sleeps()).isEmpty();
    }

    @Test
    void the_scheduled_form_times_out_and_stops_like_the_blocking_one() {
        // given
        ManualScheduler scheduler = new ManualScheduler(clock);
        List<WaitResult<Integer>> done = new ArrayList<>();
        // when
        untilThree().timeout(Duration.ofSeconds(7)).build().runScheduled(() -> 0, scheduler, done::add);
        scheduler.runFor(Duration.ofMinutes(1));
        // then: attempts at 0, 5 and 7 s
        assertThat(done).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(WaitResult.Outcome.TIMED_OUT);
            assertThat(r.attempts()).isEqualTo(3);
            assertThat(r.elapsed()).isEqualTo(Duration.ofSeconds(7));
        });
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void the_request_budget_says_when_more_requests_fit() throws InterruptedException {
        // given: 3 a minute, 3 sent at 0 s and 10 s
        RequestBudget budget = new RequestBudget(3, clock);
        budget.record();
        clock.advance(Duration.ofSeconds(10));
        budget.record();
        budget.record();
        // then
        assertThat(budget.delayFor(1)).isEqualTo(Duration.ofSeconds(50));
        assertThat(budget.delayFor(2)).isEqualTo(Duration.ofSeconds(60));
        // and: acquiring sleeps until the oldest is a minute old
        assertThat(budget.acquire(() -> false)).isTrue();
        assertThat(clock.sleeps()).containsExactly(Duration.ofSeconds(50));
        assertThat(budget.delayFor(1)).isEqualTo(Duration.ofSeconds(10));
    }
}

package io.courier.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeadlineTest {

    @Test
    void whatIsLeftShrinksAndNeverGoesBelowZero() {
        Deadline d = Deadline.after(Duration.ofSeconds(30));
        Duration first = d.remaining();
        assertThat(first).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
        assertThat(d.remaining()).isLessThanOrEqualTo(first);
        assertThat(d.passed()).isFalse();

        Deadline past = Deadline.after(Duration.ofNanos(1));
        io.courier.core.AwaitState.until(past::passed);
        assertThat(past.remaining()).isZero();
        assertThat(past.remainingNanos()).isZero();
    }

    @Test
    void zeroAndNegativeTimeoutsHaveNothingLeft() {
        assertThat(Deadline.after(Duration.ZERO).passed()).isTrue();
        assertThat(Deadline.after(Duration.ofSeconds(-5)).remaining()).isZero();
        assertThat(Deadline.after(Duration.ofSeconds(Long.MIN_VALUE)).passed()).isTrue();
    }

    @Test
    void timeoutsTooLongForNanosecondsDoNotOverflow() {
        for (Duration huge : new Duration[] {Duration.ofDays(365L * 1000), Duration.ofSeconds(Long.MAX_VALUE),
                Duration.ofNanos(Long.MAX_VALUE)}) {
            Deadline d = Deadline.after(huge);
            assertThat(d.passed()).as(huge.toString()).isFalse();
            assertThat(d.remaining()).as(huge.toString()).isGreaterThan(Duration.ofDays(365L * 70));
        }
    }
}

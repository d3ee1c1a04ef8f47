package io.courier.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Commit positions are one past the contiguous acknowledged prefix, never past a message in flight. */
class OffsetTrackerTest {
    private final OffsetTracker<String> tracker = new OffsetTracker<>();

    @Test
    void acknowledgementsOutOfOrderCommitOnlyTheContiguousPrefix() {
        for (long o = 0; o < 10; o++) {
            tracker.delivered("p0", o);
        }
        for (long o = 9; o >= 5; o--) {
            tracker.acked("p0", o);
        }
        assertThat(tracker.commitPositions()).isEmpty();
        assertThat(tracker.inFlight("p0")).isEqualTo(5);
        assertThat(tracker.firstInFlight("p0")).isZero();
        tracker.acked("p0", 0);
        assertThat(tracker.commitPositions()).containsExactly(Map.entry("p0", 1L));
        assertThat(tracker.commitPositions()).as("nothing advanced since").isEmpty();
        for (long o = 1; o < 5; o++) {
            tracker.acked("p0", o);
        }
        assertThat(tracker.commitPositions()).containsExactly(Map.entry("p0", 10L));
        assertThat(tracker.inFlight("p0")).isZero();
        assertThat(tracker.firstInFlight("p0")).isEqualTo(-1);
    }

    @Test
    void offsetsTheLogSkippedCountAsDone() {
        tracker.delivered("p", 100);
        tracker.delivered("p", 102);
        tracker.delivered("p", 105);
        tracker.acked("p", 100);
        tracker.acked("p", 102);
        assertThat(tracker.commitPositions()).containsExactly(Map.entry("p", 105L));
        tracker.acked("p", 105);
        assertThat(tracker.commitPositions()).containsExactly(Map.entry("p", 106L));
    }

    @Test
    void aMessageDeliveredAgainAfterASeekBackIsInFlightAndTheCommitNeverGoesBack() {
        for (long o = 0; o < 5; o++) {
            tracker.delivered("p", o);
            tracker.acked("p", o);
        }
        assertThat(tracker.commitPositions()).containsExactly(Map.entry("p", 5L));
        tracker.delivered("p", 3);
        assertThat(tracker.inFlight("p")).isEqualTo(1);
        assertThat(tracker.firstInFlight("p")).isEqualTo(3);
        assertThat(tracker.commitPositions()).isEmpty();
        tracker.delivered("p", 5);
        tracker.acked("p", 3);
        assertThat(tracker.commitPositions()).isEmpty();
        tracker.acked("p", 5);
        assertThat(tracker.commitPositions()).containsExactly(Map.entry("p", 6L));
    }

    @Test
    void partitionsAreIndependentAndAForgottenOneIgnoresLateAcks() {
        tracker.delivered("a", 0);
        tracker.delivered("b", 7);
        tracker.acked("b", 7);
        assertThat(tracker.commitPositions()).containsExactly(Map.entry("b", 8L));
        tracker.forget("a");
        tracker.acked("a", 0);
        assertThat(tracker.commitPositions()).isEmpty();
        assertThat(tracker.inFlight("a")).isZero();
    }

    @Test
    void acknowledgementsFromManyThreadsEndAtTheEnd() throws Exception {
        int n = 100_000;
        for (long o = 0; o < n; o++) {
            tracker.delivered("p", o);
        }
        List<Long> offsets = new ArrayList<>();
        for (long o = 0; o < n; o++) {
            offsets.add(o);
        }
        Collections.shuffle(offsets, new Random(1));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            List<Long> part = offsets.subList(t * n / 4, (t + 1) * n / 4);
            pool.execute(() -> {
                for (int i = 0; i < part.size(); i++) {
                    tracker.acked("p", part.get(i));
                    if (i % 1000 == 0) {
                        tracker.commitPositions().values().forEach(pos -> assertThat(pos).isLessThanOrEqualTo(n));
                    }
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(tracker.commitPositions()).containsExactly(Map.entry("p", (long) n));
    }
}

/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The pacer's schedule, on a clock of the test's. */
class PacerTest {

    private static final long MS = 1_000_000L;

    @Test
    void callersThatKeepUpGoExactlyOneCycleApartFromTheStart() {
        AtomicLong clock = new AtomicLong(1_000 * MS);
        Pacer pacer = new Pacer(Duration.ofMillis(10), 25, clock::get);
        // everyone at once: one permit per cycle, however many ask
        for (int i = 0; i < 100; i++) {
            assertThat(pacer.reserve()).isEqualTo(1_000 * MS + i * 10 * MS);
        }
    }

    @Test
    void afterAStallCallsCatchUpByAtMostTheBurstThenThePaceResumes() {
        AtomicLong clock = new AtomicLong(0);
        Pacer pacer = new Pacer(Duration.ofMillis(10), 25, clock::get);
        // keeping up: each caller comes when its permit is due
        for (int i = 0; i < 50; i++) {
            clock.set(pacer.reserve());
        }
        assertThat(clock.get()).isEqualTo(490 * MS);
        // a stall: the permits due at 500, 510, ..., 590 were missed; they and the one due at
        // 600 go at once, the next a cycle later
        clock.set(600 * MS);
        for (int i = 0; i < 11; i++) {
            assertThat(pacer.reserve()).isEqualTo(600 * MS);
        }
        assertThat(pacer.reserve()).isEqualTo(610 * MS);
        // a stall of 2 s (200 permits missed): only the burst goes at once
        clock.set(2_700 * MS);
        for (int i = 0; i < 25; i++) {
            assertThat(pacer.reserve()).as("permit %d", i).isEqualTo(2_700 * MS);
        }
        assertThat(pacer.reserve()).isEqualTo(2_710 * MS);
    }

    @Test
    void noIntervalGetsMoreThanItsCyclesPlusTheBurst() {
        AtomicLong clock = new AtomicLong(0);
        Pacer pacer = new Pacer(Duration.ofMillis(10), 25, clock::get);
        java.util.Random random = new java.util.Random(7);
        long[] granted = new long[20_000];
        for (int i = 0; i < granted.length; i++) {
            // callers late by up to 300 ms, or on time
            long at = pacer.reserve();
            granted[i] = at;
            clock.set(
                    Math.max(clock.get(), at)
                            + (random.nextInt(10) == 0 ? random.nextInt(300) * MS : 0));
        }
        // every window of 1 s holds at most 100 + 25 permits; on average exactly 100 a second
        int j = 0;
        for (int i = 0; i < granted.length; i++) {
            while (granted[i] - granted[j] >= 1_000 * MS) {
                j++;
            }
            assertThat(i - j + 1).isLessThanOrEqualTo(125);
        }
        double seconds = (granted[granted.length - 1] - granted[0]) / 1e9;
        assertThat(granted.length / seconds).isLessThanOrEqualTo(100.0 + 25 / seconds + 1e-9);
    }

    @Test
    void itWaitsForItsPermitAndRefusesNonsense() throws InterruptedException {
        Pacer pacer = new Pacer(Duration.ofMillis(20), 1);
        long t0 = System.nanoTime();
        pacer.acquire();
        pacer.acquire();
        pacer.acquire();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(40 * MS);
        assertThatThrownBy(() -> new Pacer(Duration.ZERO, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pacer(Duration.ofMillis(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

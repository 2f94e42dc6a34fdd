package dev.taskctx.it;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Waiting on a latch from inside a task, where a checked exception has nowhere to go. */
final class Latches {

    private Latches() {
    }

    /** Waits up to 20 seconds for {@code latch}; an interrupt ends the wait and stays set. */
    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

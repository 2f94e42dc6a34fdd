package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.util.Arrays;

/**
 * The kotlinx coroutines whose code runs on one thread, innermost last (a coroutine started
 * undispatched runs inside another's run). Per frame: the coroutine's context, the snapshot its run
 * replaced, the entries it has as its own on this thread, and its binding as last read or written here.
 * Confined to its thread.
 */
final class CoroutineFrames {

    private static final int STRIDE = 4;

    private Object[] frames = new Object[4 * STRIDE];
    private int count;

    void push(Object coroutineContext, Snapshot replaced, Snapshot ownEntries, Snapshot binding) {
        int at = count * STRIDE;
        if (at == frames.length) {
            frames = Arrays.copyOf(frames, at * 2);
        }
        frames[at] = coroutineContext;
        frames[at + 1] = replaced;
        frames[at + 2] = ownEntries;
        frames[at + 3] = binding;
        count++;
    }

    /** The innermost frame of {@code coroutineContext}, or -1 when it does not run here. */
    int find(Object coroutineContext) {
        for (int i = count - 1; i >= 0; i--) {
            if (frames[i * STRIDE] == coroutineContext) {
                return i;
            }
        }
        return -1;
    }

    /** The innermost frame, or -1. */
    int top() {
        return count - 1;
    }

    Object coroutineContext(int frame) {
        return frames[frame * STRIDE];
    }

    Snapshot replaced(int frame) {
        return (Snapshot) frames[frame * STRIDE + 1];
    }

    Snapshot ownEntries(int frame) {
        return (Snapshot) frames[frame * STRIDE + 2];
    }

    Snapshot binding(int frame) {
        return (Snapshot) frames[frame * STRIDE + 3];
    }

    void update(int frame, Snapshot ownEntries, Snapshot binding) {
        frames[frame * STRIDE + 2] = ownEntries;
        frames[frame * STRIDE + 3] = binding;
    }

    /**
     * Ends {@code frame} and every frame started after it that never ended (kotlinx defers one
     * restore when thread-context elements are present).
     */
    void endFrom(int frame) {
        Arrays.fill(frames, frame * STRIDE, count * STRIDE, null);
        count = frame;
    }
}

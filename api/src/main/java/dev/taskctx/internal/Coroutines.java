package dev.taskctx.internal;

import dev.taskctx.Snapshot;

/**
 * Kotlin coroutines as tasks: each coroutine owns a copy of its creator's context, bound to its
 * {@code CoroutineContext} (which every continuation of the coroutine reports), current wherever its
 * code runs, and kept up to date the moment the coroutine changes it. Updating at the change, not when
 * the run ends, matters: a coroutine that yields or hands itself to {@code withContext} can be resumed
 * by another thread before the run that suspended it has returned.
 */
final class Coroutines {

    private Coroutines() {
    }

    /** A coroutine was constructed on this thread: its own context starts as a copy of the creator's (also an empty one). */
    static void created(Object coroutineContext) {
        if (coroutineContext != null) {
            Propagation.COROUTINES.put(coroutineContext, Propagation.capture(), true);
        }
    }

    /**
     * The coroutine's code starts or resumes on this thread: its own context is installed, or the
     * empty one for a context no coroutine was created with; the resuming thread lends it nothing.
     */
    static void resumes(Object coroutineContext) {
        ThreadState state = ThreadState.current();
        Snapshot binding = Propagation.COROUTINES.peek(coroutineContext);
        Snapshot previous = Propagation.capture(state);
        Snapshot replaced = Propagation.write(state, binding == null ? Snapshot.empty() : binding, previous);
        CoroutineFrames frames = state.coroutines;
        if (frames == null) {
            frames = new CoroutineFrames();
            state.coroutines = frames;
        }
        frames.push(coroutineContext, replaced, state.context, binding);
    }

    /**
     * The run that {@link #resumes} began stops: the thread's previous context is back. The entries the
     * coroutine set are kept already ({@link #entriesReplaced}); values of carried thread-locals are
     * kept here, unless another thread resumed the coroutine and changed its binding meanwhile.
     */
    static void suspends(Object coroutineContext) {
        ThreadState state = ThreadState.current();
        CoroutineFrames frames = state.coroutines;
        int frame = frames == null ? -1 : frames.find(coroutineContext);
        if (frame < 0) {
            return;
        }
        Snapshot binding = frames.binding(frame);
        if (binding != null && CarriedThreadLocals.registered().length != 0 && state.context == frames.ownEntries(frame)
                && Propagation.COROUTINES.peek(coroutineContext) == binding) {
            Propagation.COROUTINES.put(coroutineContext, Propagation.capture(state), true);
        }
        Snapshot replaced = frames.replaced(frame);
        frames.endFrom(frame);
        Propagation.restore(state, replaced);
    }

    /**
     * The thread's entries were replaced ({@code TaskContext.set}, {@code remove}, {@code clear}): if
     * they were the running coroutine's own (not a task run inside it), the coroutine's binding gets
     * the new ones at once.
     */
    static void entriesReplaced(ThreadState state, Snapshot replaced) {
        CoroutineFrames frames = state.coroutines;
        int top = frames.top();
        // Only a coroutine created as one has a binding: a context shared by raw continuations must not get one.
        if (top < 0 || frames.ownEntries(top) != replaced || frames.binding(top) == null) {
            return;
        }
        Snapshot binding = Propagation.capture(state);
        Propagation.COROUTINES.put(frames.coroutineContext(top), binding, true);
        frames.update(top, state.context, binding);
    }
}

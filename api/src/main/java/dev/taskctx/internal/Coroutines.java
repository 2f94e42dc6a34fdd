package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.lang.reflect.Field;

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

    /**
     * A coroutine was constructed on this thread: its own context starts as a copy of the creator's.
     * An empty one binds nothing (most coroutines never set anything); the binding is made when the
     * coroutine first sets a value ({@link #entriesReplaced}).
     */
    static void created(Object coroutineContext) {
        Snapshot snapshot = Propagation.capture();
        if (coroutineContext != null && !Propagation.carriesNothing(snapshot)) {
            Propagation.COROUTINES.put(coroutineContext, snapshot, true);
        }
    }

    /**
     * The coroutine completed, its children too: its code does not run again, and its binding goes now
     * rather than when its context is collected (a table that holds only running coroutines stays small).
     */
    static void completed(Object coroutineContext) {
        if (coroutineContext != null) {
            Propagation.COROUTINES.remove(coroutineContext);
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
        if (top < 0 || frames.ownEntries(top) != replaced) {
            return;
        }
        Object coroutineContext = frames.coroutineContext(top);
        // A context shared by raw continuations (a dispatcher object used as a whole context) must not get one.
        if (frames.binding(top) == null && !isOwnedByOneCoroutine(coroutineContext)) {
            return;
        }
        Snapshot binding = Propagation.capture(state);
        Propagation.COROUTINES.put(coroutineContext, binding, true);
        frames.update(top, state.context, binding);
    }

    /**
     * Whether {@code coroutineContext} is the context of one coroutine, so that a binding keyed by it
     * is that coroutine's alone: it is a kotlinx {@code AbstractCoroutine} (the coroutine itself, when
     * its parent's context was empty) or a {@code CombinedContext} holding one (the parent's context
     * plus the coroutine, as {@code AbstractCoroutine} builds it). A context that raw continuations
     * share (a dispatcher, or several elements combined once and reused) holds none. Matched by name and
     * read by reflection once per value set in such a coroutine: the core links to neither library.
     */
    private static boolean isOwnedByOneCoroutine(Object coroutineContext) {
        Object context = coroutineContext;
        for (int depth = 0; depth < 64 && context != null; depth++) {
            if (isCoroutine(context)) {
                return true;
            }
            CombinedContextFields fields = combinedContextFields(context.getClass());
            if (fields == null) {
                return false;
            }
            try {
                if (isCoroutine(fields.element.get(context))) {
                    return true;
                }
                context = fields.left.get(context);
            } catch (IllegalAccessException | RuntimeException e) {
                return false;
            }
        }
        return false;
    }

    private static boolean isCoroutine(Object element) {
        for (Class<?> type = element == null ? null : element.getClass(); type != null; type = type.getSuperclass()) {
            if (type.getName().equals("kotlinx.coroutines.AbstractCoroutine")) {
                return true;
            }
        }
        return false;
    }

    /** {@code CombinedContext}'s {@code left} and {@code element}. */
    private static final class CombinedContextFields {
        final Class<?> type;
        final Field left;
        final Field element;

        CombinedContextFields(Class<?> type, Field left, Field element) {
            this.type = type;
            this.left = left;
            this.element = element;
        }
    }

    private static volatile CombinedContextFields combinedContext;

    /** The fields of {@code type} if it is {@code kotlin.coroutines.CombinedContext} and they can be read, else null. */
    private static CombinedContextFields combinedContextFields(Class<?> type) {
        CombinedContextFields known = combinedContext;
        if (known != null && known.type == type) {
            return known;
        }
        if (!type.getName().equals("kotlin.coroutines.CombinedContext")) {
            return null;
        }
        try {
            Field left = type.getDeclaredField("left");
            Field element = type.getDeclaredField("element");
            left.setAccessible(true);
            element.setAccessible(true);
            known = new CombinedContextFields(type, left, element);
            combinedContext = known;
            return known;
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A named kotlin.stdlib module that does not open kotlin.coroutines: no binding made late.
            return null;
        }
    }
}

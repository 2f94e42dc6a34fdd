package dev.taskctx.internal;

import dev.taskctx.Snapshot;
import java.nio.channels.CompletionHandler;

/**
 * An NIO.2 {@code CompletionHandler} bound to the snapshot of the code that started the operation:
 * the group thread that completes it runs the handler inside that snapshot and keeps nothing of it.
 * Internal: created by the agent where an asynchronous channel operation starts.
 */
final class SnapshotCompletionHandler<V, A> implements CompletionHandler<V, A> {

    private final Snapshot snapshot;
    private final CompletionHandler<V, A> handler;

    SnapshotCompletionHandler(Snapshot snapshot, CompletionHandler<V, A> handler) {
        this.snapshot = snapshot;
        this.handler = handler;
    }

    @Override
    public void completed(V result, A attachment) {
        Snapshot previous = Propagation.install(snapshot);
        try {
            handler.completed(result, attachment);
        } finally {
            Propagation.restore(previous);
        }
    }

    @Override
    public void failed(Throwable exc, A attachment) {
        Snapshot previous = Propagation.install(snapshot);
        try {
            handler.failed(exc, attachment);
        } finally {
            Propagation.restore(previous);
        }
    }

    @Override
    public String toString() {
        return handler.toString();
    }
}

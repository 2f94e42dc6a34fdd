package dev.taskctx.bench;

import java.util.concurrent.Executor;

/** An application executor that runs each task in the calling thread: a hand-off with no queue and no thread switch. */
final class DirectExecutor implements Executor {

    @Override
    public void execute(Runnable task) {
        task.run();
    }
}

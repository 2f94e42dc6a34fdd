package dev.taskctx.bench;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An application executor with its own queue and one worker thread, as applications and libraries
 * write them: no JDK executor class involved, so only agents that instrument any {@code Executor}
 * see its hand-offs.
 */
final class QueueExecutor implements Executor {

    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Thread worker;

    QueueExecutor() {
        worker = new Thread(this::work, "queue-executor");
        worker.setDaemon(true);
        worker.start();
    }

    @Override
    public void execute(Runnable task) {
        queue.add(task);
    }

    void shutdown() throws InterruptedException {
        worker.interrupt();
        worker.join(30_000);
    }

    private void work() {
        try {
            while (true) {
                queue.take().run();
            }
        } catch (InterruptedException e) {
            // shutdown
        }
    }
}

package example.weaving;

import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Application classes for {@code WeaverTest}, in a package of their own: the weaver leaves taskctx's
 * own packages alone.
 */
public final class WeavingCandidates {

    private WeavingCandidates() {
    }

    public static final class OwnExecutor implements Executor {
        @Override
        public void execute(Runnable task) {
            task.run();
        }
    }

    /** Instrumented at the pool's own hand-off points, not as an application executor. */
    public static final class PoolSubclass extends ThreadPoolExecutor {
        public PoolSubclass() {
            super(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        }
    }

    public static final class OwnThread extends Thread {
        @Override
        public void run() {
        }
    }

    public abstract static class OwnScheduler implements ScheduledExecutorService {
        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return null;
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            return null;
        }
    }

    public static final class NotAnExecutor implements Runnable {
        @Override
        public void run() {
        }
    }

    /** An executor only through its super class: neither it nor {@link OwnExecutor}'s interface is named in it. */
    public abstract static class BaseExecutor implements Executor {
        public void shutdown() {
        }
    }

    public static final class InheritedExecutor extends BaseExecutor {
        @Override
        public void execute(Runnable task) {
            task.run();
        }
    }

    /** A scheduler only through an interface of its own that extends {@code ScheduledExecutorService}. */
    public interface OwnSchedulingService extends ScheduledExecutorService {
    }

    public abstract static class InheritedScheduler implements OwnSchedulingService {
        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return null;
        }
    }

    /** A {@code Thread} two levels down, through an application subclass. */
    public static class BaseThread extends Thread {
    }

    public static final class InheritedThread extends BaseThread {
        @Override
        public void run() {
        }
    }

    /** Inherits {@code execute} without declaring it: the class that declares it is woven instead. */
    public static final class ExecutorWithoutOwnExecute extends InheritedExecutorBase {
    }

    public abstract static class InheritedExecutorBase implements Executor {
        @Override
        public void execute(Runnable task) {
            task.run();
        }
    }
}

package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.taskctxfixture.LibraryExecutor;
import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent decides what to instrument from class files and never loads a class while it does: a
 * class loaded from inside an agent's own transformer is never shown to that transformer. Each case
 * runs in a fresh JVM, where the first class of a hierarchy to load is the subclass.
 */
class LoadOrderTest {

    /** The first {@code ThreadPoolExecutor} of its JVM is this subclass: loading it loads the pool class. */
    static final class FirstPool extends ThreadPoolExecutor {
        FirstPool() {
            super(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        }
    }

    /** An application executor that queues tasks; {@link #runQueued()} runs them. */
    public static class QueueingExecutor implements Executor {
        private final List<Runnable> queued = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            queued.add(task);
        }

        void runQueued() {
            queued.forEach(Runnable::run);
            queued.clear();
        }
    }

    /** Inherits {@code execute}; the JVM loads {@link QueueingExecutor} while defining it. */
    public static class InheritingExecutor extends QueueingExecutor {
    }

    /** An application executor extending a library class whose package name looks like the JDK's. */
    public static class ApplicationExecutor extends LibraryExecutor {
        @Override
        public void execute(Runnable task) {
            super.execute(task);
        }
    }

    public static final class Main {
        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "load-order-1");
            FirstPool pool = new FirstPool();
            CompletableFuture<Object> seen = new CompletableFuture<>();
            pool.execute(() -> seen.complete(TaskContext.get("request_id")));
            System.out.println("pool-subclass-loaded-first=" + seen.get(10, TimeUnit.SECONDS));
            pool.shutdown();

            InheritingExecutor executor = new InheritingExecutor();
            Object[] ran = new Object[1];
            executor.execute(() -> ran[0] = TaskContext.get("request_id"));
            TaskContext.set("request_id", "changed");
            executor.runQueued();
            System.out.println("inherited-execute=" + ran[0]);

            TaskContext.set("request_id", "load-order-2");
            ApplicationExecutor subclass = new ApplicationExecutor();
            subclass.execute(() -> ran[0] = TaskContext.get("request_id"));
            TaskContext.set("request_id", "changed");
            subclass.runQueued();
            System.out.println("subclass-of-com.sun-library=" + ran[0]);
        }
    }

    @Test
    void subclassesLoadedBeforeTheirInstrumentedSuperClassesPropagate() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar()), Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "pool-subclass-loaded-first=load-order-1",
                "inherited-execute=load-order-1",
                "subclass-of-com.sun-library=load-order-2");
        assertThat(result.stderrLines()).isEmpty();
    }
}

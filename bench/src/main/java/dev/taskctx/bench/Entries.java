package dev.taskctx.bench;

import com.alibaba.ttl.TransmittableThreadLocal;
import dev.taskctx.TaskContext;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The benchmark thread's context: {@code entries} TaskContext keys and as many
 * TransmittableThreadLocal values, set in every JVM. Only the agent of that JVM propagates its own
 * kind; the other kind is a plain thread-local there and costs nothing at a hand-off.
 *
 * <p>Set per iteration: JMH runs each iteration as a task of its own thread pool, and both agents
 * (correctly) restore the pool thread's empty context when such a task ends.
 */
@State(Scope.Thread)
public class Entries {

    static final int MAX = 64;

    @SuppressWarnings("unchecked")
    private static final TransmittableThreadLocal<Object>[] LOCALS = new TransmittableThreadLocal[MAX];

    static {
        for (int i = 0; i < MAX; i++) {
            LOCALS[i] = new TransmittableThreadLocal<>();
        }
    }

    @Param({"0", "3", "64"})
    public int entries;

    @Setup(Level.Iteration)
    public void set() {
        fill(entries);
    }

    @TearDown(Level.Iteration)
    public void clear() {
        fill(0);
    }

    /** Sets {@code count} entries of each kind on the current thread and clears the rest. */
    static void fill(int count) {
        TaskContext.clear();
        for (int i = 0; i < MAX; i++) {
            if (i < count) {
                TaskContext.set("key" + i, "value" + i);
                LOCALS[i].set("value" + i);
            } else {
                LOCALS[i].remove();
            }
        }
    }
}

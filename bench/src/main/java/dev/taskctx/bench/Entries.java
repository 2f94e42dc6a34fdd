package dev.taskctx.bench;

import com.alibaba.ttl.TransmittableThreadLocal;
import dev.taskctx.TaskContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.EnumSet;
import java.util.Set;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The benchmark thread's context: {@code entries} TaskContext keys, as many TransmittableThreadLocal
 * values and as many OpenTelemetry {@link ContextKey}s in one current {@link Context}, set in every JVM.
 * Only the agent of that JVM propagates its own kind; the other kinds are plain thread-locals there and
 * cost nothing at a hand-off.
 *
 * <p>Set per iteration: JMH runs each iteration as a task of its own thread pool, and every agent
 * (correctly) restores the pool thread's empty context when such a task ends.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
public class Entries {

    static final int MAX = 64;

    @SuppressWarnings("unchecked")
    private static final TransmittableThreadLocal<Object>[] LOCALS = new TransmittableThreadLocal[MAX];

    @SuppressWarnings("unchecked")
    private static final ContextKey<Object>[] OTEL_KEYS = new ContextKey[MAX];

    /** The scope of the OpenTelemetry context that {@link #fill} made current, closed by the next fill. */
    private static final ThreadLocal<Scope> OTEL_SCOPE = new ThreadLocal<>();

    static {
        for (int i = 0; i < MAX; i++) {
            LOCALS[i] = new TransmittableThreadLocal<>();
            OTEL_KEYS[i] = ContextKey.named("key" + i);
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
        Scope open = OTEL_SCOPE.get();
        if (open != null) {
            open.close();
            OTEL_SCOPE.remove();
        }
        if (count > 0) {
            Context context = Context.root();
            for (int i = 0; i < count; i++) {
                context = context.with(OTEL_KEYS[i], "value" + i);
            }
            OTEL_SCOPE.set(context.makeCurrent());
        }
    }

    /**
     * The kinds whose values the current thread sees as {@link #fill fill(count)} set them: all
     * {@code count} of them, first and last, so that a partial copy does not count.
     */
    static Set<Agents> seen(int count) {
        Set<Agents> seen = EnumSet.noneOf(Agents.class);
        int last = count - 1;
        String first = "value0";
        String lastValue = "value" + last;
        if (first.equals(TaskContext.get("key0")) && lastValue.equals(TaskContext.get("key" + last))) {
            seen.add(Agents.TASKCTX);
        }
        if (first.equals(LOCALS[0].get()) && lastValue.equals(LOCALS[last].get())) {
            seen.add(Agents.TTL);
        }
        Context current = Context.current();
        if (first.equals(current.get(OTEL_KEYS[0])) && lastValue.equals(current.get(OTEL_KEYS[last]))) {
            seen.add(Agents.OTEL);
        }
        return seen;
    }
}

package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where a virtual thread keeps its context with the agent (JDK 21+): in its continuation, not in a
 * thread-local, so that a virtual thread that reads or sets its context gets no thread-local map of its
 * own (136 B of heap per parked thread). Each case runs in a fresh JVM with one carrier thread, so that
 * the virtual threads take turns on the same platform thread: a state kept per carrier would show there.
 * The JVM reads {@code Thread}'s private fields through {@code sun.misc.Unsafe}, not with
 * {@code --add-opens}, which would also open {@code java.lang} to the agent's core and hide whether the
 * agent got its access itself.
 */
class VirtualThreadStateTest {

    @BeforeEach
    void virtualThreadsAvailable() {
        Jdk21Threads.assumeAvailable();
    }

    @Test
    void virtualThreadsThatUseTheirContextGetNoThreadLocalMapAndKeepTheirOwnValuesAcrossParks() throws Exception {
        JvmRunner.Result result = run("");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "first inherited=parent-1 own=first-data after park=first-data thread-locals=none",
                "second inherited=parent-1 own=second-data after park=second-data thread-locals=none",
                "parent {request_id=parent-1}",
                "runContinuation carries no binding field");
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void withThreadsOffAVirtualThreadKeepsItsOwnValuesInAThreadLocal() throws Exception {
        JvmRunner.Result result = run("=threads=off");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "first inherited=null own=first-data after park=first-data thread-locals=a map",
                "second inherited=null own=second-data after park=second-data thread-locals=a map",
                "parent {request_id=parent-1}",
                "runContinuation carries no binding field");
    }

    private static JvmRunner.Result run(String agentOptions) throws Exception {
        List<String> jvmArgs = new ArrayList<>(List.of("-javaagent:" + JvmRunner.agentJar() + agentOptions,
                "-Djdk.virtualThreadScheduler.parallelism=1", "-Djdk.virtualThreadScheduler.maxPoolSize=1"));
        if (Runtime.version().feature() >= 23) {
            // JDK 24+ warns once about sun.misc.Unsafe's field access (JEP 498); the test reads two fields with it.
            jvmArgs.add("--sun-misc-unsafe-memory-access=allow");
        }
        return JvmRunner.run(jvmArgs, Main.class);
    }

    /** Two virtual threads take turns on one carrier: each sets a value, parks, lets the other run, reads. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            PrivateField threadLocals = new PrivateField(Thread.class, "threadLocals");
            TaskContext.set("request_id", "parent-1");
            CountDownLatch firstSet = new CountDownLatch(1);
            CountDownLatch secondSet = new CountDownLatch(1);
            String[] lines = new String[2];
            Thread first = Jdk21Threads.unstarted(Jdk21Threads.ofVirtual(), () -> lines[0] =
                    use("first", firstSet, secondSet, threadLocals));
            Thread second = Jdk21Threads.unstarted(Jdk21Threads.ofVirtual(), () -> lines[1] =
                    use("second", secondSet, firstSet, threadLocals));
            first.start();
            second.start();
            first.join();
            second.join();
            System.out.println(lines[0]);
            System.out.println(lines[1]);
            System.out.println("parent " + TaskContext.asMap());
            PrivateField runContinuation = new PrivateField(first.getClass(), "runContinuation");
            List<String> interfaces = new ArrayList<>();
            for (Class<?> implemented : runContinuation.get(first).getClass().getInterfaces()) {
                interfaces.add(implemented.getName());
            }
            System.out.println(interfaces.equals(List.of(Runnable.class.getName()))
                    ? "runContinuation carries no binding field" : "runContinuation implements " + interfaces);
        }

        private static String use(String name, CountDownLatch mine, CountDownLatch others, PrivateField threadLocals) {
            try {
                Object inherited = TaskContext.get("request_id");
                TaskContext.set("task_data", name + "-data");
                mine.countDown();
                // Parks: the other thread runs on the one carrier and sets its own value meanwhile.
                if (!others.await(10, TimeUnit.SECONDS)) {
                    return name + " timed out";
                }
                LockSupport.parkNanos(1_000_000);
                return name + " inherited=" + inherited + " own=" + TaskContext.get("task_data")
                        + " after park=" + TaskContext.asMap().get("task_data")
                        + " thread-locals=" + (threadLocals.get(Thread.currentThread()) == null ? "none" : "a map");
            } catch (Exception e) {
                return name + " failed: " + e + " " + Arrays.toString(e.getStackTrace());
            }
        }
    }

    /** A private instance field of a JDK class, read through {@code sun.misc.Unsafe}. */
    @SuppressWarnings("removal")
    static final class PrivateField {
        private static final sun.misc.Unsafe UNSAFE = unsafe();
        private final long offset;

        PrivateField(Class<?> declaringClass, String name) throws NoSuchFieldException {
            offset = UNSAFE.objectFieldOffset(declaringClass.getDeclaredField(name));
        }

        Object get(Object owner) {
            return UNSAFE.getObject(owner, offset);
        }

        private static sun.misc.Unsafe unsafe() {
            try {
                Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                field.setAccessible(true);
                return (sun.misc.Unsafe) field.get(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

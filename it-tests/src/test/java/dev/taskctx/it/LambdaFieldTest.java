package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import dev.taskctx.internal.Propagation;
import dev.taskctx.internal.TaskBindingCarrier;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A {@code Runnable} lambda's class gets a binding field as the JDK makes it (option {@code lambdafields},
 * on by default): a new lambda handed to a pool waits with its binding in its own field, the pool
 * queues the very object, and the binding goes at its run. Tagged {@code forkjoin} so that it also runs
 * in the execution with {@code fields=off,lambdafields=off}, where every binding waits in the side table.
 */
@Tag("forkjoin")
class LambdaFieldTest {

    private static final int TASKS = 50;
    private static final Map<Object, Object> SEEN_BY_SINGLETON = new ConcurrentHashMap<>();

    private final ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
    private final CountDownLatch release = new CountDownLatch(1);

    private static boolean lambdaFieldsOff() {
        return "off".equals(System.getProperty("taskctx.lambdafields"));
    }

    @AfterEach
    void shutDown() throws InterruptedException {
        release.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        TaskContext.clear();
    }

    @Test
    void newLambdasWaitInThePoolWithTheirBindingInTheirOwnField() throws Exception {
        pool.execute(() -> Latches.awaitQuietly(release));
        int before = Propagation.boundTasks();
        Object[] seen = new Object[TASKS];
        CountDownLatch ran = new CountDownLatch(TASKS);
        List<Runnable> handed = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            int index = i;
            TaskContext.set("request_id", "req-" + i);
            Runnable task = () -> {
                seen[index] = TaskContext.get("request_id");
                ran.countDown();
            };
            handed.add(task);
            pool.execute(task);
        }
        TaskContext.clear();
        int waiting = Propagation.boundTasks() - before;
        if (lambdaFieldsOff()) {
            assertThat(waiting).as("bindings beside the lambdas with lambdafields=off").isGreaterThanOrEqualTo(TASKS);
        } else {
            assertThat(waiting).as("bindings beside the lambdas").isLessThanOrEqualTo(0);
            assertThat(handed.get(0)).isInstanceOf(TaskBindingCarrier.class);
        }
        assertThat(new ArrayList<Object>(pool.getQueue())).as("the queued objects").containsExactlyElementsOf(handed);
        release.countDown();
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < TASKS; i++) {
            assertThat(seen[i]).as("task %d", i).isEqualTo("req-" + i);
        }
        for (Runnable task : handed) {
            if (task instanceof TaskBindingCarrier) {
                assertThat(((TaskBindingCarrier) task).taskctx$taskBinding()).as("binding after the run").isNull();
            }
        }
    }

    @Test
    void oneLambdaObjectQueuedTwiceRunsOnceInEachSubmittersContext() throws Exception {
        // A non-capturing lambda is one object for all its hand-offs: its field can hold one binding.
        Runnable singleton = LambdaFieldTest::recordForSingleton;
        assertThat(singleton instanceof TaskBindingCarrier).as("carries a field").isEqualTo(!lambdaFieldsOff());
        pool.execute(() -> Latches.awaitQuietly(release));
        SEEN_BY_SINGLETON.clear();
        for (String request : List.of("first", "second")) {
            TaskContext.set("request_id", request);
            pool.execute(singleton);
        }
        TaskContext.clear();
        CountDownLatch drained = new CountDownLatch(1);
        pool.execute(drained::countDown);
        release.countDown();
        assertThat(drained.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(SEEN_BY_SINGLETON).containsExactlyInAnyOrderEntriesOf(Map.of("first", 1, "second", 1));
    }

    private static void recordForSingleton() {
        SEEN_BY_SINGLETON.merge(TaskContext.get("request_id", "none"), 1, (a, b) -> (Integer) a + (Integer) b);
    }

    /** An application's own kind of {@code Runnable}, implemented by lambdas. */
    interface Job extends Runnable {
    }

    @Test
    void aLambdaOfARunnableSubInterfaceGetsTheFieldToo() throws Exception {
        pool.execute(() -> Latches.awaitQuietly(release));
        int before = Propagation.boundTasks();
        CompletableFuture<Object> seen = new CompletableFuture<>();
        TaskContext.set("request_id", "job-1");
        Job job = () -> seen.complete(TaskContext.get("request_id"));
        pool.execute(job);
        TaskContext.clear();
        assertThat(job instanceof TaskBindingCarrier).as("carries a field").isEqualTo(!lambdaFieldsOff());
        assertThat(Propagation.boundTasks() - before).as("bindings beside the lambda").isEqualTo(lambdaFieldsOff() ? 1 : 0);
        assertThat(new ArrayList<Object>(pool.getQueue())).as("the queued objects").containsExactly(job);
        release.countDown();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("job-1");
    }

    @Test
    void aSerializableLambdaWithTheFieldIsWrittenAndReadAsTheJdkWritesItAndPropagates() throws Exception {
        Runnable written = (Runnable & java.io.Serializable) () -> SEEN_BY_SERIALIZED.complete(TaskContext.get("request_id"));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(written);
        }
        Runnable read;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            read = (Runnable) in.readObject();
        }
        assertThat(read.getClass().getInterfaces()[0]).isEqualTo(Runnable.class);
        assertThat(read instanceof TaskBindingCarrier).isEqualTo(!lambdaFieldsOff());
        // The marker first: javac still makes Runnable the factory's interface, which decides.
        Runnable markerFirst = (java.io.Serializable & Runnable) () -> { };
        assertThat(markerFirst instanceof TaskBindingCarrier).as("marker interface first").isEqualTo(!lambdaFieldsOff());
        TaskContext.set("request_id", "serialized");
        pool.execute(read);
        TaskContext.clear();
        assertThat(SEEN_BY_SERIALIZED.get(10, TimeUnit.SECONDS)).isEqualTo("serialized");
    }

    private static final java.util.concurrent.CompletableFuture<Object> SEEN_BY_SERIALIZED = new java.util.concurrent.CompletableFuture<>();

    @Test
    void aLambdaWhoseClassLoaderCannotSeeTheAgentIsLeftAsTheJdkMadeItAndPropagates() throws Exception {
        // As an OSGi bundle's loader without boot delegation for dev.taskctx: the interface would not resolve.
        Class<?> isolated = new HidingLoader(getClass().getClassLoader()).loadClass(IsolatedHandOff.class.getName());
        assertThat(isolated.getClassLoader()).isInstanceOf(HidingLoader.class);
        pool.execute(() -> Latches.awaitQuietly(release));
        CountDownLatch ran = new CountDownLatch(1);
        Object[] seen = new Object[1];
        Supplier<Object> read = () -> TaskContext.get("request_id");
        Consumer<Object> record = value -> {
            seen[0] = value;
            ran.countDown();
        };
        TaskContext.set("request_id", "isolated");
        Runnable task = (Runnable) isolated.getMethod("handOff", Executor.class, Supplier.class, Consumer.class)
                .invoke(null, pool, read, record);
        TaskContext.clear();
        assertThat(task).isNotInstanceOf(TaskBindingCarrier.class);
        release.countDown();
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen[0]).isEqualTo("isolated");
    }

    /** Prints whether a new {@code Runnable} lambda's class carries a field, and what it saw in a pool. */
    public static final class OptionMain {
        public static void main(String[] args) throws Exception {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
            TaskContext.set("request_id", "req-1");
            Object[] seen = new Object[1];
            CountDownLatch ran = new CountDownLatch(1);
            Runnable task = () -> {
                seen[0] = TaskContext.get("request_id");
                ran.countDown();
            };
            pool.execute(task);
            ran.await(10, TimeUnit.SECONDS);
            System.out.println("field=" + (task instanceof TaskBindingCarrier) + " seen=" + seen[0]);
            pool.shutdown();
        }
    }

    @Test
    void optionLambdafieldsOffLeavesLambdaClassesAsTheJdkMakesThem() throws Exception {
        for (String option : List.of("", "=lambdafields=off")) {
            JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar() + option), OptionMain.class);
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stderr()).isEmpty();
            assertThat(result.stdoutLines()).as("agent option '%s'", option)
                    .containsExactly("field=" + option.isEmpty() + " seen=req-1");
        }
    }

    /** Defines {@link IsolatedHandOff} itself and finds no {@code dev.taskctx} class but that one. */
    private static final class HidingLoader extends ClassLoader {
        HidingLoader(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded != null) {
                    return loaded;
                }
                if (name.equals(IsolatedHandOff.class.getName())) {
                    String file = name.replace('.', '/') + ".class";
                    try (InputStream in = getParent().getResourceAsStream(file)) {
                        byte[] bytes = in.readAllBytes();
                        return defineClass(name, bytes, 0, bytes.length);
                    } catch (java.io.IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                if (name.startsWith("dev.taskctx.")) {
                    throw new ClassNotFoundException(name + " (hidden from this loader)");
                }
                return super.loadClass(name, resolve);
            }
        }
    }
}

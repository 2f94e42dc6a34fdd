package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Parallel streams split into fork/join tasks; every part, including those the calling thread runs, sees the caller's context. */
@Tag("forkjoin")
class ParallelStreamPropagationTest {

    @BeforeEach
    void agentIsActive() {
        assertThat(TaskContext.agentActive()).as("these tests run with -javaagent:taskctx.jar").isTrue();
        TaskContext.clear();
    }

    private static Set<Object> valuesSeenByParallelStream() {
        return IntStream.range(0, 10_000).parallel()
                .mapToObj(i -> String.valueOf(TaskContext.get("request_id")))
                .collect(Collectors.toSet());
    }

    @Test
    void parallelStreamFromPlainThreadSeesCallerValueInEveryPart() {
        TaskContext.set("request_id", "stream-plain");
        assertThat(valuesSeenByParallelStream()).containsExactly("stream-plain");
        assertThat(TaskContext.get("request_id")).isEqualTo("stream-plain");
    }

    @Test
    void successiveParallelStreamsEachSeeTheirCallersValue() {
        TaskContext.set("request_id", "stream-1");
        assertThat(valuesSeenByParallelStream()).containsExactly("stream-1");
        TaskContext.set("request_id", "stream-2");
        assertThat(valuesSeenByParallelStream()).containsExactly("stream-2");
        TaskContext.clear();
        assertThat(valuesSeenByParallelStream()).containsExactly("null");
    }

    @Test
    void parallelStreamInsideCustomPoolSeesSubmitterValue() throws Exception {
        ForkJoinPool pool = new ForkJoinPool(3);
        try {
            TaskContext.set("request_id", "stream-in-pool");
            Set<Object> seen = pool.submit(ParallelStreamPropagationTest::valuesSeenByParallelStream).get(30, TimeUnit.SECONDS);
            assertThat(seen).containsExactly("stream-in-pool");
            TaskContext.set("request_id", "stream-in-pool-2");
            seen = pool.submit(ParallelStreamPropagationTest::valuesSeenByParallelStream).get(30, TimeUnit.SECONDS);
            assertThat(seen).containsExactly("stream-in-pool-2");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void partOfAStreamThatSetsAValueDoesNotLeakItIntoTheCaller() {
        TaskContext.set("request_id", "caller");
        long sum = IntStream.range(0, 1_000).parallel()
                .map(i -> {
                    TaskContext.set("request_id", "part-" + i);
                    return i;
                })
                .asLongStream().sum();
        assertThat(sum).isEqualTo(1_000L * 999 / 2);
        assertThat(TaskContext.get("request_id")).isEqualTo("caller");
    }
}

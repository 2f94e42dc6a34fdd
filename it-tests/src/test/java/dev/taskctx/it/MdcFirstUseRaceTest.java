package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * Agent option {@code mdc}: the MDC is carried from the very first {@code MDC.put} of every thread,
 * also when several threads make the JVM's first ones at once. A thread whose first put came while
 * another was still setting up the MDC bridge used to hand off its next task without its MDC (seen
 * as {@code mdc=null} in the HTTP example under load). A fresh JVM per run: the bridge is set up once per JVM.
 */
@Tag("mdc")
class MdcFirstUseRaceTest {

    private static final int THREADS = 8;

    public static final class Main {
        public static void main(String[] args) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Thread> threads = new ArrayList<>();
            List<String> lost = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < THREADS; i++) {
                String id = "req-" + i;
                threads.add(new Thread(() -> {
                    try {
                        start.await(10, TimeUnit.SECONDS);
                        MDC.put("request_id", id);
                        Future<String> seen = pool.submit(() -> MDC.get("request_id"));
                        String value = seen.get(10, TimeUnit.SECONDS);
                        if (!id.equals(value)) {
                            lost.add(id + " saw " + value);
                        }
                    } catch (Exception e) {
                        lost.add(id + " failed: " + e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join();
            }
            pool.shutdown();
            System.out.println("lost=" + lost);
        }
    }

    @Test
    void threadsMakingTheFirstPutsAtOnceAllHandTheirMdcOn() throws Exception {
        for (int run = 0; run < 3; run++) {
            JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar() + "=mdc"), Main.class);
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdoutLines()).as("run %d", run).containsExactly("lost=[]");
        }
    }
}

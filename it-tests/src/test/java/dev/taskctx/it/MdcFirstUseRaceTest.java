package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Agent option {@code mdc}: the MDC is carried from the very first {@code MDC.put} of every thread,
 * also when several threads make the first ones at once. A thread whose first put came while another
 * was still setting up the MDC bridge used to hand off its next task without its MDC (seen as
 * {@code mdc=null} in the HTTP example under load).
 *
 * <p>The bridge is set up once per copy of SLF4J, so each round loads its own copy of SLF4J and
 * Logback in a class loader of its own: many first uses in one JVM.
 *
 * <p>Each round starts SLF4J before the race, as an application's first logger does: SLF4J 2.0's
 * {@code MDC} picks its adapter without a lock, and a put made while another thread is still
 * initialising SLF4J goes to a temporary adapter that SLF4J drops soon after (the thread loses its
 * own value, agent or not). That is SLF4J's race, not the one this test defends.
 */
@Tag("mdc")
class MdcFirstUseRaceTest {

    private static final int THREADS = 8;
    private static final int ROUNDS = 30;

    /** One race on a fresh copy of SLF4J: the lines of the threads whose task did not see their value. */
    public static final class Round implements Callable<List<String>> {
        /** Spun on rather than waited for, so that the first puts come as close together as the CPUs allow. */
        private volatile boolean go;

        @Override
        public List<String> call() throws Exception {
            LoggerFactory.getILoggerFactory();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            CountDownLatch ready = new CountDownLatch(THREADS);
            List<Thread> threads = new ArrayList<>();
            List<String> lost = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < THREADS; i++) {
                String id = "req-" + i;
                threads.add(new Thread(() -> {
                    try {
                        ready.countDown();
                        while (!go) {
                            Thread.onSpinWait();
                        }
                        MDC.put("request_id", id);
                        Future<String> seen = pool.submit(() -> MDC.get("request_id"));
                        String value = seen.get(10, TimeUnit.SECONDS);
                        String own = MDC.get("request_id");
                        if (!id.equals(value) || !id.equals(own)) {
                            lost.add(id + " saw " + value + " (own " + own + ")");
                        }
                    } catch (Exception e) {
                        lost.add(id + " failed: " + e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            ready.await(10, TimeUnit.SECONDS);
            go = true;
            for (Thread thread : threads) {
                thread.join();
            }
            pool.shutdown();
            return lost;
        }
    }

    public static final class Main {
        public static void main(String[] args) throws Exception {
            URL[] copy = {
                    location(MdcFirstUseRaceTest.class), location(MDC.class),
                    location(ch.qos.logback.classic.LoggerContext.class), location(ch.qos.logback.core.Context.class)};
            int bridged = 0;
            List<String> lost = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                try (URLClassLoader loader = new URLClassLoader(copy, ClassLoader.getPlatformClassLoader())) {
                    Class<?> roundClass = loader.loadClass(Round.class.getName());
                    @SuppressWarnings("unchecked")
                    List<String> lostThisRound = (List<String>) ((Callable<?>) roundClass.getConstructor().newInstance()).call();
                    for (String line : lostThisRound) {
                        lost.add("round " + round + ": " + line);
                    }
                    bridged += loader.loadClass(MDC.class.getName()) != MDC.class ? 1 : 0;
                }
            }
            System.out.println("separate copies of SLF4J=" + bridged);
            System.out.println("lost=" + lost);
        }

        private static URL location(Class<?> type) {
            return type.getProtectionDomain().getCodeSource().getLocation();
        }
    }

    @Test
    void threadsMakingTheFirstPutsAtOnceAllHandTheirMdcOn() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar() + "=mdc"), Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly("separate copies of SLF4J=" + ROUNDS, "lost=[]");
    }
}

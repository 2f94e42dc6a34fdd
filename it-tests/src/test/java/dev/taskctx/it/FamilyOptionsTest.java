package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.util.List;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The options forkjoin, completablefuture, scheduled and timer: on by default, each turns off its family alone. */
class FamilyOptionsTest {

    /** Prints {@code family=value} for one hand-off of each family named in args; every pool starts before the context is set. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            for (String family : args) {
                TaskContext.clear();
                System.out.println(family + "=" + seenThrough(family));
            }
        }

        private static Object seenThrough(String family) throws Exception {
            Object seen;
            switch (family) {
                case "forkjoin": {
                    ForkJoinPool pool = new ForkJoinPool(1);
                    pool.submit(() -> null).get(10, TimeUnit.SECONDS);
                    TaskContext.set("request_id", "probe");
                    seen = pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS);
                    break;
                }
                case "completablefuture": {
                    CompletableFuture<String> source = new CompletableFuture<>();
                    TaskContext.set("request_id", "probe");
                    CompletableFuture<Object> dependent = source.thenApply(x -> TaskContext.get("request_id"));
                    TaskContext.clear();
                    Thread completer = new Thread(() -> {
                        TaskContext.set("request_id", "completer");
                        source.complete("done");
                    });
                    completer.start();
                    seen = dependent.get(10, TimeUnit.SECONDS);
                    break;
                }
                case "scheduled": {
                    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1);
                    pool.submit(() -> null).get(10, TimeUnit.SECONDS);
                    TaskContext.set("request_id", "probe");
                    seen = pool.schedule(() -> TaskContext.get("request_id"), 1, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
                    pool.shutdown();
                    break;
                }
                case "timer": {
                    Timer timer = new Timer(true);
                    CompletableFuture<Object> value = new CompletableFuture<>();
                    TaskContext.set("request_id", "probe");
                    timer.schedule(new TimerTask() {
                        @Override
                        public void run() {
                            value.complete(String.valueOf(TaskContext.get("request_id")));
                        }
                    }, 1);
                    seen = value.get(10, TimeUnit.SECONDS);
                    timer.cancel();
                    break;
                }
                default:
                    throw new IllegalArgumentException(family);
            }
            return seen;
        }
    }

    private static final String[] FAMILIES = {"forkjoin", "completablefuture", "scheduled", "timer"};

    private static JvmRunner.Result probe(String agentOptions) throws Exception {
        String agent = "-javaagent:" + JvmRunner.agentJar() + (agentOptions.isEmpty() ? "" : "=" + agentOptions);
        return JvmRunner.run(List.of(agent), Probe.class, FAMILIES);
    }

    @Test
    void everyFamilyIsOnByDefaultAndStartsSilently() throws Exception {
        JvmRunner.Result result = probe("");
        assertThat(result.exitCode()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "forkjoin=probe", "completablefuture=probe", "scheduled=probe", "timer=probe");
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void forkjoinAndTimerOffTurnOffOnlyThoseFamilies() throws Exception {
        JvmRunner.Result result = probe("forkjoin=off,timer=off");
        assertThat(result.stdoutLines()).containsExactly(
                "forkjoin=null", "completablefuture=probe", "scheduled=probe", "timer=null");
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void completablefutureAndScheduledOffTurnOffOnlyThoseFamilies() throws Exception {
        JvmRunner.Result result = probe("completablefuture=off,scheduled=off");
        assertThat(result.stdoutLines()).containsExactly(
                "forkjoin=probe", "completablefuture=completer", "scheduled=null", "timer=probe");
        assertThat(result.stderr()).isEmpty();
    }
}

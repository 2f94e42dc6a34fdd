package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An agent listed after taskctx retransforms {@code Thread} (loaded before any agent) and
 * {@code ThreadPoolExecutor} once taskctx has started: taskctx keeps no retransformation-capable
 * transformer after its premain, so the retransformations start from bytes that already carry its
 * hooks (README, How it works, "Woven first"). Also with {@code ThreadPoolExecutor} loaded before
 * taskctx, where it is woven by retransformation too.
 */
class RetransformedByAnotherAgentTest {

    /** Listed after taskctx: a capable transformer that changes the bytes it is given (a copy), as ByteBuddy's does. */
    public static final class RetransformingAgent {
        public static void premain(String args, Instrumentation instrumentation) throws Exception {
            instrumentation.addTransformer(new ClassFileTransformer() {
                @Override
                public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                                        ProtectionDomain domain, byte[] classFile) {
                    return redefined == null ? null : classFile.clone();
                }
            }, true);
            instrumentation.retransformClasses(Thread.class,
                    Class.forName("java.util.concurrent.ThreadPoolExecutor"),
                    Class.forName("java.util.concurrent.ThreadPoolExecutor$Worker"));
        }
    }

    /** Listed before taskctx: loads the pool's classes before it starts. */
    public static final class Preloader {
        public static void premain(String args, Instrumentation instrumentation) throws Exception {
            Class.forName("java.util.concurrent.ThreadPoolExecutor");
            Class.forName("java.util.concurrent.ThreadPoolExecutor$Worker");
        }
    }

    public static final class Main {
        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "retransformed");
            CompletableFuture<Object> inThread = new CompletableFuture<>();
            new Thread(() -> inThread.complete(TaskContext.get("request_id"))).start();
            System.out.println("thread=" + inThread.get(10, TimeUnit.SECONDS));
            ExecutorService pool = Executors.newFixedThreadPool(1);
            System.out.println("pool=" + pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            CompletableFuture<Object> executed = new CompletableFuture<>();
            pool.execute(() -> executed.complete(TaskContext.get("request_id")));
            System.out.println("execute=" + executed.get(10, TimeUnit.SECONDS));
            pool.shutdown();
        }
    }

    @Test
    void hooksSurviveAnotherAgentsRetransformationAfterPremain() throws Exception {
        assertPropagates(List.of("-javaagent:" + JvmRunner.agentJar(),
                "-javaagent:" + JvmRunner.manifestOnlyAgent(RetransformingAgent.class, true)));
    }

    @Test
    void hooksOfClassesLoadedBeforeTaskctxSurviveAnotherAgentsRetransformation() throws Exception {
        assertPropagates(List.of("-javaagent:" + JvmRunner.manifestOnlyAgent(Preloader.class),
                "-javaagent:" + JvmRunner.agentJar(),
                "-javaagent:" + JvmRunner.manifestOnlyAgent(RetransformingAgent.class, true)));
    }

    private static void assertPropagates(List<String> jvmArgs) throws Exception {
        JvmRunner.Result result = JvmRunner.run(jvmArgs, Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly("thread=retransformed", "pool=retransformed", "execute=retransformed");
        assertThat(result.stderr()).isEmpty();
    }
}

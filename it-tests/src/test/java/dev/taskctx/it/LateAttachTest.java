package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.tools.attach.VirtualMachine;
import dev.taskctx.Snapshot;
import dev.taskctx.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The agent attached to a running JVM (Agent-Class, Attach API) instead of started with -javaagent:
 * what propagates and what does not (README, Troubleshooting).
 */
class LateAttachTest {

    private static final List<String> ALLOW_SELF_ATTACH = List.of("-Djdk.attach.allowAttachSelf=true");

    /** The JVM's note when an attached agent's Boot-Class-Path extends the bootstrap class path. */
    private static final String CDS_NOTE = System.getProperty("java.vm.name")
            + " warning: Sharing is only supported for boot loader classes because bootstrap classpath has been appended";

    static void attachTaskctx(String jar) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(String.valueOf(ProcessHandle.current().pid()));
        try {
            vm.loadAgent(jar);
        } finally {
            vm.detach();
        }
    }

    /** Starts a pool, attaches the agent, and only then uses TaskContext for the first time. */
    public static final class AttachBeforeFirstUse {
        public static void main(String[] args) throws Exception {
            ExecutorService startedBeforeAttach = Executors.newFixedThreadPool(1);
            startedBeforeAttach.submit(() -> { }).get(10, TimeUnit.SECONDS);
            attachTaskctx(args[0]);
            FirstUse.report(startedBeforeAttach);
            startedBeforeAttach.shutdown();
        }
    }

    /** Kept out of the main class so that TaskContext is not loaded before the attach. */
    static final class FirstUse {
        static void report(ExecutorService startedBeforeAttach) throws Exception {
            TaskContext.set("request_id", "late-1");
            System.out.println("agentActive=" + TaskContext.agentActive());
            ExecutorService startedAfterAttach = Executors.newFixedThreadPool(1);
            System.out.println("pool-started-after-attach="
                    + startedAfterAttach.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            System.out.println("pool-started-before-attach="
                    + startedBeforeAttach.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            Object[] seen = new Object[1];
            Thread thread = new Thread(() -> seen[0] = TaskContext.get("request_id"));
            thread.start();
            thread.join();
            System.out.println("new-thread=" + seen[0]);
            startedAfterAttach.shutdown();
        }
    }

    /** Sets a value, attaches the agent, sets again and hands off. */
    public static final class UseBeforeAttach {
        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "before-attach");
            attachTaskctx(args[0]);
            System.out.println("value-set-before-attach=" + TaskContext.get("request_id"));
            TaskContext.set("request_id", "after-attach");
            System.out.println("agentActive=" + TaskContext.agentActive());
            ExecutorService pool = Executors.newFixedThreadPool(1);
            System.out.println("pool=" + pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            pool.shutdown();
        }
    }

    /** Runs a virtual thread (JDK 21+), so that its continuation's class loads before the agent, then attaches. */
    public static final class VirtualThreadBeforeAttach {
        public static void main(String[] args) throws Exception {
            Jdk21Threads.start(Jdk21Threads.ofVirtual(), () -> { }).join();
            attachTaskctx(args[0]);
            VirtualFirstUse.report();
        }
    }

    /** Kept out of the main class so that TaskContext is not loaded before the attach. */
    static final class VirtualFirstUse {
        static void report() throws Exception {
            TaskContext.set("request_id", "late-virtual");
            Object[] seen = new Object[1];
            Thread thread = Jdk21Threads.start(Jdk21Threads.ofVirtual(), () -> {
                Object inherited = TaskContext.get("request_id");
                TaskContext.set("task_data", "own");
                LockSupport.parkNanos(1_000_000);
                seen[0] = inherited + " " + TaskContext.get("task_data");
            });
            thread.join();
            System.out.println("virtual-thread=" + seen[0]);
            System.out.println("parent=" + TaskContext.asMap());
        }
    }

    /**
     * Uses the application's copy of the api, attaches, then uses it on a virtual thread, where
     * {@code Snapshot.install} runs in that copy (the agent joins {@code TaskContext}'s calls, not a
     * snapshot's); {@code java.lang} is open to every unnamed module, the application copy's too.
     */
    public static final class VirtualThreadsAfterUseBeforeAttach {
        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "before-attach");
            attachTaskctx(args[0]);
            TaskContext.set("request_id", "after-attach");
            Object[] seen = new Object[1];
            Jdk21Threads.start(Jdk21Threads.ofVirtual(), () -> {
                try {
                    Object inherited = TaskContext.get("request_id");
                    TaskContext.set("own", "x");
                    Snapshot previous = TaskContext.capture().install();
                    seen[0] = "inherited=" + inherited + " own=" + TaskContext.get("own") + " installed over "
                            + previous.asMap().keySet();
                } catch (RuntimeException | Error e) {
                    seen[0] = e;
                }
            }).join();
            System.out.println("virtual-thread " + seen[0]);
        }
    }

    @Test
    void theApplicationsCopyOfTheApiKeepsItsOwnStateOnVirtualThreadsEvenWithJavaLangOpenToIt() throws Exception {
        Jdk21Threads.assumeAvailable();
        JvmRunner.Result result = JvmRunner.run(List.of("-Djdk.attach.allowAttachSelf=true",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED"), VirtualThreadsAfterUseBeforeAttach.class,
                JvmRunner.agentJar());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly("virtual-thread inherited=after-attach own=x installed over []");
    }

    @Test
    void virtualThreadsWhoseContinuationClassLoadedBeforeTheAttachKeepTheirStateInAThreadLocal() throws Exception {
        Jdk21Threads.assumeAvailable();
        JvmRunner.Result result = JvmRunner.run(ALLOW_SELF_ATTACH, VirtualThreadBeforeAttach.class, JvmRunner.agentJar());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly("virtual-thread=late-virtual own", "parent={request_id=late-virtual}");
        List<String> expected = new ArrayList<>();
        expected.add(CDS_NOTE);
        expected.addAll(dynamicAgentWarning());
        assertThat(result.stderrLines()).containsExactlyElementsOf(expected);
    }

    @Test
    void attachedBeforeFirstUsePropagatesExceptThroughWorkersStartedBeforeTheAttach() throws Exception {
        JvmRunner.Result result = JvmRunner.run(ALLOW_SELF_ATTACH, AttachBeforeFirstUse.class, JvmRunner.agentJar());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "agentActive=true",
                "pool-started-after-attach=late-1",
                "pool-started-before-attach=null",
                "new-thread=late-1");
        List<String> expected = new ArrayList<>();
        expected.add(CDS_NOTE);
        expected.addAll(dynamicAgentWarning());
        assertThat(result.stderrLines()).containsExactlyElementsOf(expected);
    }

    @Test
    void attachedAfterFirstUseJoinsTheApplicationsCopyWhichThenPropagates() throws Exception {
        JvmRunner.Result result = JvmRunner.run(ALLOW_SELF_ATTACH, UseBeforeAttach.class, JvmRunner.agentJar());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        // What the copy held before the attach stays behind in it; from the attach on, it is the agent's context.
        assertThat(result.stdoutLines()).containsExactly("value-set-before-attach=null", "agentActive=true", "pool=after-attach");
        List<String> expected = new ArrayList<>();
        expected.add(AgentMissingWarningTest.WARNING);
        expected.add(CDS_NOTE);
        expected.addAll(dynamicAgentWarning());
        assertThat(result.stderrLines()).containsExactlyElementsOf(expected);
    }

    @Test
    void attachedAfterFirstUseWithApiCopiesOffDoesNotPropagateAndSaysWhy() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-Djdk.attach.allowAttachSelf=true", "-Dtaskctx.apicopies=off"),
                UseBeforeAttach.class, JvmRunner.agentJar());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly("value-set-before-attach=before-attach", "agentActive=false", "pool=null");
        List<String> stderr = result.stderrLines();
        assertThat(stderr.get(stderr.size() - 1)).matches(Pattern.quote(
                "taskctx: the agent was attached after the application had loaded the taskctx api itself"
                + " (dev.taskctx.TaskContext loaded by jdk.internal.loader.ClassLoaders$AppClassLoader@")
                + "\\p{XDigit}+" + Pattern.quote("); values set through that copy stay thread-local and do not"
                + " follow hand-offs: start the JVM with -javaagent:taskctx.jar instead of attaching the agent later"));
    }

    /** JDK 21 and later announce a dynamically loaded agent (JEP 451); JDK 17 says nothing. */
    private static List<String> dynamicAgentWarning() {
        if (Runtime.version().feature() < 21) {
            return List.of();
        }
        return List.of(
                "WARNING: A Java agent has been loaded dynamically (" + JvmRunner.agentJar() + ")",
                "WARNING: If a serviceability tool is in use, please run with -XX:+EnableDynamicAgentLoading to hide this warning",
                "WARNING: If a serviceability tool is not in use, please run with -Djdk.instrument.traceUsage for more information",
                "WARNING: Dynamic loading of agents will be disallowed by default in a future release");
    }
}

package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contract point 6: whatever goes wrong on the agent's side, the application starts and runs, and
 * each problem is one clear line on stderr.
 */
class HostSafetyTest {

    /** The line the JVM prints when a jar is appended to the bootstrap search at run time (CDS). */
    private static final String CDS_NOTE = "Sharing is only supported for boot loader classes because bootstrap classpath has been appended";

    /** Prints whether the agent is active and what a pool task saw. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(1);
            // Started before the context is set: the worker inherits nothing, so only the executor hand-off can propagate.
            pool.prestartAllCoreThreads();
            TaskContext.set("request_id", "probe-1");
            System.out.println("agentActive=" + TaskContext.agentActive());
            System.out.println("pool=" + pool.submit(() -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
            pool.shutdown();
        }
    }

    private static List<String> withoutCdsNote(List<String> lines) {
        List<String> kept = new ArrayList<>();
        for (String line : lines) {
            if (!line.contains(CDS_NOTE)) {
                kept.add(line);
            }
        }
        return kept;
    }

    private static JvmRunner.Result probe(String... jvmArgs) throws Exception {
        return JvmRunner.run(List.of(jvmArgs), Probe.class);
    }

    private static void assertRanWithDefaults(JvmRunner.Result result) {
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly("agentActive=true", "pool=probe-1");
    }

    // ---- options ---------------------------------------------------------------------------------

    /** "unknown agent option 'x'; valid options are a, b, c (see the README's option table)", with at least the README's options. */
    private static void assertUnknownOptionLine(String line, String option) {
        assertThat(line).matches("taskctx: unknown agent option '" + java.util.regex.Pattern.quote(option)
                + "'; valid options are [a-z.]+(, [a-z.]+)* \\(see the README's option table\\)");
        assertThat(line.substring(line.indexOf("valid options are ")).split("[ ,()]+"))
                .contains("debug", "executors", "executors.exclude", "threads");
    }

    @Test
    void unknownOptionIsOneLineNamingItAndTheValidOnesAndDefaultsApply() throws Exception {
        JvmRunner.Result result = probe("-javaagent:" + JvmRunner.agentJar() + "=bogus");
        assertRanWithDefaults(result);
        assertThat(result.stderrLines()).hasSize(1);
        assertUnknownOptionLine(result.stderrLines().get(0), "bogus");
    }

    @Test
    void optionWithoutANameIsOneLineAndDefaultsApply() throws Exception {
        JvmRunner.Result result = probe("-javaagent:" + JvmRunner.agentJar() + "=debug,=on");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly("agentActive=true", "pool=probe-1");
        List<String> problems = result.stderrLines().stream().filter(line -> !line.startsWith("taskctx: instrumented ")).toList();
        assertThat(problems).hasSize(2);
        assertUnknownOptionLine(problems.get(0), "=on");
        assertThat(problems.get(1)).as("debug, given before the bad option, still applies").startsWith("taskctx: agent active; ");
    }

    @Test
    void badValueIsOneLineNamingTheOptionAndItsValidValuesAndTheDefaultApplies() throws Exception {
        JvmRunner.Result result = probe("-javaagent:" + JvmRunner.agentJar() + "=executors=maybe");
        assertRanWithDefaults(result);
        assertThat(result.stderrLines()).containsExactly(
                "taskctx: bad value in agent option 'executors=maybe': 'executors' takes on or off; using on");
    }

    @Test
    void badSystemPropertyValueIsOneLineAndTheDefaultApplies() throws Exception {
        JvmRunner.Result result = probe("-Dtaskctx.executors=nope", "-javaagent:" + JvmRunner.agentJar());
        assertRanWithDefaults(result);
        assertThat(result.stderrLines()).containsExactly(
                "taskctx: bad value in system property taskctx.executors: 'executors' takes on or off; using on");
    }

    @Test
    void eachBadOptionIsItsOwnLineAndTheGoodOnesStillApply() throws Exception {
        JvmRunner.Result result = probe("-javaagent:" + JvmRunner.agentJar() + "=bogus,executors=off,threads=sometimes");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).as("executors=off was applied").containsExactly("agentActive=true", "pool=null");
        assertThat(result.stderrLines()).hasSize(2);
        assertUnknownOptionLine(result.stderrLines().get(0), "bogus");
        assertThat(result.stderrLines().get(1)).isEqualTo(
                "taskctx: bad value in agent option 'threads=sometimes': 'threads' takes on or off; using on");
    }

    // ---- the agent given twice --------------------------------------------------------------------

    private static final String SECOND_COPY_IGNORED =
            "taskctx: the agent is already active in this JVM; ignoring the second -javaagent:taskctx.jar";

    @Test
    void theSameJarGivenTwiceStartsOnceAndSaysSo() throws Exception {
        String agent = "-javaagent:" + JvmRunner.agentJar();
        JvmRunner.Result result = probe(agent, agent);
        assertRanWithDefaults(result);
        assertThat(result.stderrLines()).containsExactly(SECOND_COPY_IGNORED);
    }

    @Test
    void aRenamedCopyAfterTheAgentDoesNothing(@TempDir Path dir) throws Exception {
        Path copy = Files.copy(Path.of(JvmRunner.agentJar()), dir.resolve("taskctx-copy.jar"));
        JvmRunner.Result result = probe("-javaagent:" + JvmRunner.agentJar(), "-javaagent:" + copy);
        assertRanWithDefaults(result);
        assertThat(result.stderrLines()).containsExactly(SECOND_COPY_IGNORED);
    }

    @Test
    void aRenamedCopyBeforeTheAgentStartsItAndTheAgentDoesNothing(@TempDir Path dir) throws Exception {
        Path copy = Files.copy(Path.of(JvmRunner.agentJar()), dir.resolve("taskctx-copy.jar"));
        JvmRunner.Result result = probe("-javaagent:" + copy, "-javaagent:" + JvmRunner.agentJar());
        assertRanWithDefaults(result);
        // The copy is not named by its Boot-Class-Path, so it appends itself at run time (the JVM's CDS note).
        assertThat(withoutCdsNote(result.stderrLines())).containsExactly(SECOND_COPY_IGNORED);
    }

    @Test
    void aRenamedJarAloneStartsNormally(@TempDir Path dir) throws Exception {
        Path copy = Files.copy(Path.of(JvmRunner.agentJar()), dir.resolve("my-agent.jar"), StandardCopyOption.REPLACE_EXISTING);
        JvmRunner.Result result = probe("-javaagent:" + copy);
        assertRanWithDefaults(result);
        assertThat(withoutCdsNote(result.stderrLines())).isEmpty();
    }

    @Test
    void twoRenamedCopiesStartOnce(@TempDir Path dir) throws Exception {
        Path first = Files.copy(Path.of(JvmRunner.agentJar()), dir.resolve("first-agent.jar"));
        Path second = Files.copy(Path.of(JvmRunner.agentJar()), dir.resolve("second-agent.jar"));
        JvmRunner.Result result = probe("-javaagent:" + first, "-javaagent:" + second);
        assertRanWithDefaults(result);
        assertThat(withoutCdsNote(result.stderrLines())).containsExactly(SECOND_COPY_IGNORED);
    }

    // ---- classes the agent sees only as bytes -------------------------------------------------------

    /** A direct executor; defined from memory by {@link InMemoryLoader}, so its bytes are no resource. */
    public static class InMemoryBaseExecutor implements Executor {
        @Override
        public void execute(Runnable task) {
            task.run();
        }
    }

    /**
     * An executor whose super class is defined by a loader that serves no class files as resources,
     * as loaders of generated classes often do: the agent cannot tell what it extends without loading
     * it, which it never does. It queues tasks; {@link #run()} runs them.
     */
    public static class InMemoryExecutor extends InMemoryBaseExecutor implements Runnable {
        private final List<Runnable> queued = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            System.out.println("InMemoryExecutor.execute");
            queued.add(task);
        }

        @Override
        public void run() {
            queued.forEach(Runnable::run);
            queued.clear();
        }
    }

    /** Defines classes from bytes it holds; it has no resources, and its parent is the platform loader. */
    static final class InMemoryLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        InMemoryLoader(Map<String, byte[]> classes) {
            super("in-memory", ClassLoader.getPlatformClassLoader());
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = classes.get(name);
            if (bytes == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, bytes, 0, bytes.length);
        }
    }

    /** Loads {@link InMemoryExecutor} through {@link InMemoryLoader}, queues a task, and runs it in another context. */
    public static final class InMemoryMain {
        public static void main(String[] args) throws Exception {
            Map<String, byte[]> classes = new HashMap<>();
            for (Class<?> type : List.of(InMemoryBaseExecutor.class, InMemoryExecutor.class)) {
                try (InputStream in = type.getResourceAsStream("/" + type.getName().replace('.', '/') + ".class")) {
                    classes.put(type.getName(), in.readAllBytes());
                }
            }
            Executor executor = (Executor) new InMemoryLoader(classes).loadClass(InMemoryExecutor.class.getName())
                    .getConstructor().newInstance();
            TaskContext.set("request_id", "in-memory-1");
            executor.execute(() -> System.out.println("task ran, request_id=" + TaskContext.get("request_id")));
            TaskContext.set("request_id", "changed");
            ((Runnable) executor).run();
            System.out.println("main finished");
        }
    }

    @Test
    void anExecutorWhoseSuperClassHasNoClassFileIsReportedOnceAndRunsAsWithoutTheAgent() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar()), InMemoryMain.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        // Not instrumented: the task sees the context current when it runs, as without the agent.
        assertThat(result.stdoutLines()).containsExactly(
                "InMemoryExecutor.execute", "task ran, request_id=changed", "main finished");
        assertThat(result.stderrLines()).containsExactly("taskctx: could not instrument "
                + InMemoryExecutor.class.getName() + " (UnreadableTypeException: cannot read the class file of its super type "
                + InMemoryBaseExecutor.class.getName() + "); the application runs on without propagation through this class");
    }

    /**
     * Builds an executor whose {@code execute(Runnable)} is so close to the JVM's 64 KB limit on a
     * method's code that the agent's additions do not fit: it runs the task, then pads with NOPs.
     */
    static byte[] executorAtTheCodeSizeLimit(String binaryName) {
        String internalName = binaryName.replace('.', '/');
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, internalName, null, "java/lang/Object",
                new String[] {"java/util/concurrent/Executor"});
        MethodVisitor constructor = writer.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        constructor.visitCode();
        constructor.visitVarInsn(Opcodes.ALOAD, 0);
        constructor.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        constructor.visitInsn(Opcodes.RETURN);
        constructor.visitMaxs(0, 0);
        constructor.visitEnd();
        MethodVisitor execute = writer.visitMethod(Opcodes.ACC_PUBLIC, "execute", "(Ljava/lang/Runnable;)V", null, null);
        execute.visitCode();
        execute.visitVarInsn(Opcodes.ALOAD, 1);
        execute.visitMethodInsn(Opcodes.INVOKEINTERFACE, "java/lang/Runnable", "run", "()V", true);
        // 6 bytes so far and 1 for the return: 65,520 in all, 15 short of the limit.
        for (int i = 0; i < 65_520 - 7; i++) {
            execute.visitInsn(Opcodes.NOP);
        }
        execute.visitInsn(Opcodes.RETURN);
        execute.visitMaxs(0, 0);
        execute.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    /** Loads the generated executor twice (two loaders) and runs a task through each. */
    public static final class UninstrumentableMain {
        static final String EXECUTOR = "dev.taskctx.it.generated.LargeExecutor";

        public static void main(String[] args) throws Exception {
            Map<String, byte[]> classes = Map.of(EXECUTOR, executorAtTheCodeSizeLimit(EXECUTOR));
            TaskContext.set("request_id", "uninstrumentable-1");
            for (int i = 0; i < 2; i++) {
                Executor executor = (Executor) new InMemoryLoader(classes).loadClass(EXECUTOR)
                        .getConstructor().newInstance();
                executor.execute(() -> System.out.println("task ran, request_id=" + TaskContext.get("request_id")));
            }
            System.out.println("main finished");
        }
    }

    @Test
    void aClassThatCannotBeInstrumentedIsReportedOnceByNameAndTheApplicationRuns() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar()), UninstrumentableMain.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "task ran, request_id=uninstrumentable-1",
                "task ran, request_id=uninstrumentable-1",
                "main finished");
        assertThat(result.stderrLines()).containsExactly("taskctx: could not instrument "
                + UninstrumentableMain.EXECUTOR + " (MethodTooLargeException: Method too large: "
                + UninstrumentableMain.EXECUTOR.replace('.', '/') + ".execute (Ljava/lang/Runnable;)V)"
                + "; the application runs on without propagation through this class");
    }
}

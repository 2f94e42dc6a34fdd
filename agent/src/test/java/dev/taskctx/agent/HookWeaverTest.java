package dev.taskctx.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskctx.TaskContext;
import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Result;
import dev.taskctx.internal.AgentHooks;
import dev.taskctx.internal.LambdaClasses;
import dev.taskctx.internal.SnapshotRunnable;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.util.CheckClassAdapter;

/**
 * {@link HookWeaver} on a small class of the test's own ({@link WeavingSubject}): each kind of hook
 * does what it says when the woven class runs, and the woven class passes ASM's verifier.
 */
class HookWeaverTest {

    private static final String SUBJECT = WeavingSubject.class.getName().replace('.', '/');

    @AfterEach
    void clear() {
        TaskContext.clear();
    }

    @Test
    void entryHookReplacesTheParameter() throws Exception {
        Object subject = woven(MethodHook.on("execute", "(Ljava/lang/Runnable;)V")
                .enter(Hooks.executorExecute(Arg.parameter(0)), Result.REPLACE_PARAMETER)
                .exitAlways(Hooks.handOffDone(Arg.NULL))
                .build());
        Runnable task = () -> { };
        subject.getClass().getMethod("execute", Runnable.class).invoke(subject, task);
        Object executed = subject.getClass().getField("executed").get(subject);
        assertThat(executed).isInstanceOf(SnapshotRunnable.class).isNotSameAs(task);
    }

    @Test
    void exitHookRunsOnReturn() throws Exception {
        Object subject = woven(insideHandOffHook());
        Runnable task = () -> { };
        Object seen = subject.getClass().getMethod("insideHandOff", Runnable.class, boolean.class).invoke(subject, task, false);
        assertThat(seen).as("a hand-off nested in the woven method's").isSameAs(task);
        assertThat(notInsideAHandOff()).isTrue();
    }

    @Test
    void exitHookRunsOnThrowAndTheExceptionIsUnchanged() throws Exception {
        Object subject = woven(insideHandOffHook());
        assertThatThrownBy(() -> subject.getClass().getMethod("insideHandOff", Runnable.class, boolean.class)
                .invoke(subject, (Runnable) () -> { }, true))
                .isInstanceOf(InvocationTargetException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("failed inside");
        assertThat(notInsideAHandOff()).isTrue();
    }

    @Test
    void redirectRunsTheTaskAsAPoolTask() throws Exception {
        Object subject = woven(MethodHook.on("runs", null).redirect("java/lang/Runnable", "run", "runTask").build());
        TaskContext.set("k", "caller");
        AtomicReference<Object> seen = new AtomicReference<>("not run");
        subject.getClass().getMethod("runs", Runnable.class).invoke(subject, (Runnable) () -> seen.set(TaskContext.get("k")));
        assertThat(seen.get()).as("a task bound to nothing runs in the empty context").isNull();
        assertThat(TaskContext.get("k")).isEqualTo("caller");
    }

    @Test
    void getterArgumentPassesWhatTheGetterReturns() throws Exception {
        Object subject = woven(MethodHook.on("register", "()V")
                .enter(Hooks.coroutineCreated(Arg.THIS.invoking(SUBJECT, "key", "()Ljava/lang/Object;")))
                .build());
        TaskContext.set("k", "at registration");
        subject.getClass().getMethod("register").invoke(subject);
        TaskContext.clear();
        Object key = subject.getClass().getMethod("key").invoke(subject);
        AgentHooks.coroutineResumes(key);
        try {
            assertThat(TaskContext.get("k")).isEqualTo("at registration");
        } finally {
            AgentHooks.coroutineSuspends(key);
        }
        assertThat(TaskContext.get("k")).isNull();
    }

    @Test
    void resultFilterReplacesWhatEachFilteredCallReturnedAndReadsAFieldOfThis() throws Exception {
        Object subject = woven(MethodHook.on("classFile", "()[B")
                .filterResults("[B", Hooks.lambdaClassFile(Arg.RESULT,
                        Arg.THIS.readingField(SUBJECT, "host", "Ljava/lang/Class;"),
                        Arg.THIS.readingField(SUBJECT, "implemented", "Ljava/lang/Class;")))
                .build());
        LambdaClasses.install(classFile -> new byte[] {42});
        try {
            byte[] result = (byte[]) subject.getClass().getMethod("classFile").invoke(subject);
            // bytes() returns byte[] and passes the filter; an array's clone() returns Object and does not.
            assertThat(result).containsExactly(42);
        } finally {
            LambdaClasses.install(null);
        }
    }

    @Test
    void aHookReadingAFieldTheClassItselfNeverReferencesIsLeftOut() throws IOException {
        MethodHook hook = MethodHook.on("classFile", "()[B")
                .filterResults("[B", Hooks.lambdaClassFile(Arg.RESULT,
                        Arg.THIS.readingField(SUBJECT, "host", "Ljava/lang/Class;"),
                        Arg.THIS.readingField(SUBJECT, "renamedInAnotherVersion", "Ljava/lang/Class;")))
                .build();
        assertThat(HookWeaver.weave(subjectClassFile(), List.of(hook))).isNull();
    }

    @Test
    void aResultFilterMustTakeTheResultFirst() {
        assertThatThrownBy(() -> MethodHook.on("classFile", "()[B")
                .filterResults("[B", Hooks.lambdaClassFile(Arg.NULL, Arg.RESULT, Arg.NULL)).build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void twoHooksOnOneMethodAreRefused() {
        MethodHook one = MethodHook.on("execute", null).enter(Hooks.enterPoolInternals()).build();
        MethodHook two = MethodHook.on("execute", "(Ljava/lang/Runnable;)V").enter(Hooks.exitPoolInternals()).build();
        assertThatThrownBy(() -> HookWeaver.weave(subjectClassFile(), List.of(one, two)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("two hooks apply to execute(Ljava/lang/Runnable;)V");
    }

    @Test
    void aClassNoHookAppliesToIsLeftAsItIs() throws IOException {
        assertThat(HookWeaver.weave(subjectClassFile(), List.of(MethodHook.on("absent", null)
                .enter(Hooks.enterPoolInternals()).build()))).isNull();
    }

    private static MethodHook insideHandOffHook() {
        return MethodHook.on("insideHandOff", null)
                .enter(Hooks.enterPoolInternals())
                .exitAlways(Hooks.exitPoolInternals())
                .build();
    }

    /** A hand-off now is not nested: it wraps the task. */
    private static boolean notInsideAHandOff() {
        Runnable task = () -> { };
        Runnable handed = AgentHooks.executorExecute(task);
        AgentHooks.handOffDone(null, null);
        return handed instanceof SnapshotRunnable;
    }

    private static byte[] subjectClassFile() throws IOException {
        try (InputStream in = HookWeaverTest.class.getClassLoader().getResourceAsStream(SUBJECT + ".class")) {
            return in.readAllBytes();
        }
    }

    /** A new instance of {@link WeavingSubject} woven with {@code hook}, verified, in a loader of its own. */
    private static Object woven(MethodHook hook) throws Exception {
        byte[] woven = HookWeaver.weave(subjectClassFile(), List.of(hook));
        return verifiedInstance(WeavingSubject.class, woven);
    }

    /** A new instance of the class file {@code woven} of {@code subject}, verified, in a loader of its own. */
    static Object verifiedInstance(Class<?> subject, byte[] woven) throws Exception {
        assertThat(woven).as("woven class file").isNotNull();
        StringWriter problems = new StringWriter();
        CheckClassAdapter.verify(new ClassReader(woven), HookWeaverTest.class.getClassLoader(), false,
                new PrintWriter(problems));
        assertThat(problems.toString()).as("verifier output").isEmpty();
        ClassLoader loader = new ClassLoader(HookWeaverTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(subject.getName())) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> loaded = findLoadedClass(name);
                        return loaded != null ? loaded : defineClass(name, woven, 0, woven.length);
                    }
                }
                return super.loadClass(name, resolve);
            }
        };
        return loader.loadClass(subject.getName()).getConstructor().newInstance();
    }
}

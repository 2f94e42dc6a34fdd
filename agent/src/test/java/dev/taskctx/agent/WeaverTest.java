package dev.taskctx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import example.weaving.WeavingCandidates.BaseExecutor;
import example.weaving.WeavingCandidates.BaseThread;
import example.weaving.WeavingCandidates.ExecutorWithoutOwnExecute;
import example.weaving.WeavingCandidates.InheritedExecutor;
import example.weaving.WeavingCandidates.InheritedExecutorBase;
import example.weaving.WeavingCandidates.InheritedScheduler;
import example.weaving.WeavingCandidates.InheritedThread;
import example.weaving.WeavingCandidates.NotAnExecutor;
import example.weaving.WeavingCandidates.OwnExecutor;
import example.weaving.WeavingCandidates.OwnScheduler;
import example.weaving.WeavingCandidates.OwnThread;
import example.weaving.WeavingCandidates.PoolSubclass;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * {@link Weaver}'s choice of application classes: the same whether a class is woven as it loads (its
 * super types read from class files) or was loaded before the agent (found by reflection).
 */
class WeaverTest {

    /** The plan of the default options, as the installer makes it. */
    static WeavingPlan defaultPlan() {
        WeavingPlan plan = new WeavingPlan();
        AgentOptions options = AgentOptions.parse("");
        for (HandOffFamily family : Installer.FAMILIES) {
            if (options.on(family.name())) {
                family.register(plan, options);
            }
        }
        return plan;
    }

    private static Weaver weaver() {
        return new Weaver(defaultPlan(), false);
    }

    private static byte[] classFile(Class<?> type) throws IOException {
        try (InputStream in = type.getClassLoader().getResourceAsStream(type.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(classes = {OwnExecutor.class, PoolSubclass.class, OwnThread.class, OwnScheduler.class, NotAnExecutor.class,
        InheritedExecutor.class, InheritedScheduler.class, InheritedThread.class})
    void loadedAndLoadingClassesAreJudgedAlike(Class<?> type) throws IOException {
        Weaver weaver = weaver();
        byte[] woven = weaver.transform(type.getClassLoader(), type.getName().replace('.', '/'), null, null, classFile(type));
        assertThat(weaver.wants(type)).isEqualTo(woven != null);
    }

    @Test
    void applicationExecutorsSchedulersAndThreadsAreWovenPoolSubclassesAndTasksAreNot() {
        Weaver weaver = weaver();
        assertThat(weaver.wants(OwnExecutor.class)).isTrue();
        assertThat(weaver.wants(OwnScheduler.class)).isTrue();
        assertThat(weaver.wants(OwnThread.class)).isTrue();
        assertThat(weaver.wants(PoolSubclass.class)).isFalse();
        assertThat(weaver.wants(NotAnExecutor.class)).isFalse();
    }

    @Test
    void classesThatAreExecutorsOrThreadsOnlyThroughTheirSuperTypesAreWovenWhereTheyDeclareTheHookedMethod()
            throws IOException {
        Weaver weaver = weaver();
        assertThat(hookedMethods(weaver, InheritedExecutor.class)).containsExactly("execute(Ljava/lang/Runnable;)V");
        assertThat(hookedMethods(weaver, InheritedScheduler.class))
                .containsExactly("schedule(Ljava/lang/Runnable;JLjava/util/concurrent/TimeUnit;)Ljava/util/concurrent/ScheduledFuture;");
        assertThat(hookedMethods(weaver, InheritedThread.class)).containsExactly("run()V");
        assertThat(hookedMethods(weaver, InheritedExecutorBase.class)).containsExactly("execute(Ljava/lang/Runnable;)V");
    }

    @Test
    void classesThatDeclareNoHookedMethodAreLeftAsTheyAreWhateverTheyExtend() throws IOException {
        Weaver weaver = weaver();
        for (Class<?> type : List.of(ExecutorWithoutOwnExecute.class, BaseExecutor.class, BaseThread.class, NotAnExecutor.class)) {
            assertThat(transform(weaver, type)).as(type.getName()).isNull();
        }
    }

    @Test
    void aNamedClassGetsOnlyItsNamedHooksUnlessItKeepsThoseOfItsSuperTypes() throws IOException {
        String name = OwnExecutor.class.getName().replace('.', '/');
        MethodHook constructed = MethodHook.on("<init>", null).exitOnReturn(Hooks.terminationFutureCreated(MethodHook.Arg.THIS))
                .build();
        WeavingPlan named = defaultPlan();
        named.add(name, constructed);
        WeavingPlan keeping = defaultPlan();
        keeping.addKeepingSuperTypeHooks(name, constructed);
        assertThat(hookedMethods(new Weaver(named, false), OwnExecutor.class)).containsExactly("<init>()V");
        assertThat(hookedMethods(new Weaver(keeping, false), OwnExecutor.class))
                .containsExactlyInAnyOrder("<init>()V", "execute(Ljava/lang/Runnable;)V");
    }

    private static byte[] transform(Weaver weaver, Class<?> type) throws IOException {
        return weaver.transform(type.getClassLoader(), type.getName().replace('.', '/'), null, null, classFile(type));
    }

    /** The methods of {@code type}'s woven class file that call {@code AgentHooks}. */
    private static List<String> hookedMethods(Weaver weaver, Class<?> type) throws IOException {
        byte[] woven = transform(weaver, type);
        assertThat(woven).as(type.getName()).isNotNull();
        List<String> methods = new ArrayList<>();
        new ClassReader(woven).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String methodDescriptor,
                                                boolean isInterface) {
                        if (owner.equals(HookWeaver.HOOKS) && !methods.contains(name + descriptor)) {
                            methods.add(name + descriptor);
                        }
                    }
                };
            }
        }, 0);
        return methods;
    }
}

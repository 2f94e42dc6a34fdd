package dev.taskctx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.internal.AgentHooks;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * What the families' hooks name exists: every call a hook makes is a public static method of
 * {@code AgentHooks} with that very descriptor, and every hooked method of a JDK class (this JDK) or a
 * library class (the versions on the test class path) is there, matched by exactly one hook.
 */
class HookTableTest {

    /** Hooks for JDK versions other than the one running the test, with the reason they match nothing here. */
    private static final Map<String, String> OTHER_JDKS = Map.of(
            "java/util/concurrent/ForkJoinPool#startDelayScheduler", "JDK 25: ForkJoinPool is a ScheduledExecutorService",
            "java/util/concurrent/ForkJoinPool#externalPush", "JDK 17 only",
            "java/lang/Thread#clearReferences", "JDK 19+: where a virtual thread's state goes",
            "jdk/internal/net/http/HttpRequestImpl#<init>", "JDK 21+: the redirect constructor takes a header filter");

    /** Every option that switches a family on that is off by default. */
    private static final String ALL_ON = "mdc,micrometer,baggage.in=rid,baggage.out=rid,baggage.hosts=localhost,baggage.topics=orders";

    private static WeavingPlan fullPlan() {
        WeavingPlan plan = new WeavingPlan();
        AgentOptions options = AgentOptions.parse(ALL_ON);
        for (HandOffFamily family : Installer.FAMILIES) {
            if (options.on(family.name())) {
                family.register(plan, options);
            }
        }
        return plan;
    }

    private static List<MethodHook> allHooks(WeavingPlan plan) {
        List<MethodHook> hooks = new ArrayList<>();
        plan.byClass.values().forEach(hooks::addAll);
        hooks.addAll(plan.completions);
        hooks.addAll(plan.applicationExecutors);
        hooks.addAll(plan.applicationScheduledExecutors);
        hooks.addAll(plan.applicationThreads);
        return hooks;
    }

    @Test
    void everyFamilyIsSwitchedOnByDefaultOrByItsOption() {
        AgentOptions defaults = AgentOptions.parse(ALL_ON);
        assertThat(Installer.FAMILIES).allMatch(family -> defaults.on(family.name()));
    }

    @Test
    void everyCallIsAPublicStaticMethodOfAgentHooks() {
        for (MethodHook hook : allHooks(fullPlan())) {
            List<String> calls = new ArrayList<>();
            if (hook.enter != null) {
                calls.add(hook.enter.name + hook.enter.descriptor);
            }
            if (hook.exit != null) {
                calls.add(hook.exit.name + hook.exit.descriptor);
            }
            if (hook.redirectTarget != null) {
                calls.add(hook.redirectTarget + "(L" + hook.redirectOwner + ";)V");
            }
            if (hook.filter != null) {
                calls.add(hook.filter.name + hook.filter.descriptor);
            }
            assertThat(calls).as("hook on %s", hook.methodName).isNotEmpty();
            assertThat(agentHooks()).as("hook on %s", hook.methodName).containsAll(calls);
        }
    }

    private static Set<String> agentHooks() {
        Set<String> methods = new java.util.HashSet<>();
        for (Method method : AgentHooks.class.getDeclaredMethods()) {
            if (Modifier.isPublic(method.getModifiers()) && Modifier.isStatic(method.getModifiers())) {
                methods.add(method.getName() + Type.getMethodDescriptor(method));
            }
        }
        return methods;
    }

    @Test
    void everyHookedMethodExistsAndIsMatchedByExactlyOneHook() throws IOException {
        WeavingPlan plan = fullPlan();
        int checkedClasses = 0;
        for (Map.Entry<String, List<MethodHook>> entry : plan.byClass.entrySet()) {
            byte[] classFile = classFile(entry.getKey());
            if (classFile == null) {
                // A class of another JDK version (VirtualThread on 17) or of a library not under test.
                continue;
            }
            checkedClasses++;
            List<String> methods = methods(classFile);
            for (MethodHook hook : entry.getValue()) {
                String key = entry.getKey() + "#" + hook.methodName;
                long matched = methods.stream().filter(m -> accepts(hook, m)).count();
                if (!OTHER_JDKS.containsKey(key) && !isThreadConstructorOfOtherJdk(entry.getKey(), hook)) {
                    assertThat(matched).as("methods of %s matched by the hook on %s", entry.getKey(), hook.methodName)
                            .isPositive();
                }
            }
            for (String method : methods) {
                String[] parts = method.split(" ");
                // Throws when two hooks apply to one method.
                HookWeaver.first(entry.getValue(), Integer.parseInt(parts[0]), parts[1], parts[2]);
            }
        }
        // The JDK's pools, ForkJoin, CompletableFuture, Timer, Thread, NIO.2 channels, Guava, Netty, kotlinx, SLF4J, Micrometer.
        assertThat(checkedClasses).isGreaterThanOrEqualTo(20);
    }

    @Test
    void everyClassGivenABindingFieldExistsAndWeavesIntoAVerifiedClass() throws Exception {
        WeavingPlan plan = fullPlan();
        assertThat(plan.fields).isNotEmpty();
        for (Map.Entry<String, List<BindingField>> entry : plan.fields.entrySet()) {
            byte[] classFile = classFile(entry.getKey());
            if (classFile == null && entry.getKey().equals(ThreadInstrumentation.VIRTUAL_THREAD_CONTINUATION)
                    && Runtime.version().feature() < 21) {
                // JDK 21+: checked by the JDK 25 run of these tests (and loaded woven by VirtualThreadStateTest).
                continue;
            }
            assertThat(classFile).as("class file of %s", entry.getKey()).isNotNull();
            byte[] woven = BindingField.add(classFile, entry.getValue());
            assertThat(woven).as("%s with its fields", entry.getKey()).isNotNull();
            java.io.StringWriter problems = new java.io.StringWriter();
            org.objectweb.asm.util.CheckClassAdapter.verify(new ClassReader(woven), null, false,
                    new java.io.PrintWriter(problems));
            assertThat(problems.toString()).as("verifier output for %s", entry.getKey()).isEmpty();
        }
    }

    @Test
    void everyResultFilterFollowsExactlyOneCallOfItsMethodOnThisJdk() throws IOException {
        int filters = 0;
        for (Map.Entry<String, List<MethodHook>> entry : fullPlan().byClass.entrySet()) {
            for (MethodHook hook : entry.getValue()) {
                if (hook.filter == null) {
                    continue;
                }
                filters++;
                byte[] classFile = classFile(entry.getKey());
                assertThat(classFile).as("class file of %s", entry.getKey()).isNotNull();
                List<String> filtered = new ArrayList<>();
                new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
                    @Override
                    public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                                     String[] exceptions) {
                        if (!hook.accepts(access, name, descriptor)) {
                            return null;
                        }
                        return new MethodVisitor(Opcodes.ASM9) {
                            @Override
                            public void visitMethodInsn(int opcode, String owner, String called, String calledDescriptor,
                                                        boolean isInterface) {
                                if (calledDescriptor.endsWith(")" + hook.filteredReturn)) {
                                    filtered.add(owner + "." + called);
                                }
                            }
                        };
                    }
                }, 0);
                // JDK 17 and 21: jdk.internal ASM's ClassWriter.toByteArray; JDK 25: java.lang.classfile's ClassFile.build.
                assertThat(filtered).as("calls %s filters in %s", hook.methodName, entry.getKey()).hasSize(1);
            }
        }
        assertThat(filters).isPositive();
    }

    /** Thread constructors take the task at index 1 on JDK 17 and at index 3 on JDK 25; each JDK matches one of the hooks. */
    private static boolean isThreadConstructorOfOtherJdk(String className, MethodHook hook) {
        return className.startsWith("java/lang/") && hook.methodName.equals("<init>") && hook.runnableParameter >= 0;
    }

    private static boolean accepts(MethodHook hook, String method) {
        String[] parts = method.split(" ");
        return hook.accepts(Integer.parseInt(parts[0]), parts[1], parts[2]);
    }

    private static byte[] classFile(String internalName) throws IOException {
        try (InputStream in = ClassLoader.getSystemResourceAsStream(internalName + ".class")) {
            return in == null ? null : in.readAllBytes();
        }
    }

    /** "access name descriptor" of each method. */
    private static List<String> methods(byte[] classFile) {
        List<String> methods = new ArrayList<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                methods.add(access + " " + name + " " + descriptor);
                return null;
            }
        }, ClassReader.SKIP_CODE);
        return methods;
    }
}

package dev.taskctx.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.internal.CompletionBindingCarrier;
import dev.taskctx.internal.TaskBindingCarrier;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link BindingField} on small classes of the test's own: the woven class verifies, implements the
 * carrier interfaces, its field starts empty and its compare-and-set works, its own static initializer
 * still runs, and weaving a class that has the fields already changes nothing.
 */
class BindingFieldTest {

    private static byte[] classFile(Class<?> type) throws IOException {
        try (InputStream in = type.getClassLoader().getResourceAsStream(type.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    @Test
    void aClassWithAStaticInitializerGetsBothFieldsAndKeepsItsInitializer() throws Exception {
        byte[] woven = BindingField.add(classFile(TaskSubject.class), List.of(BindingField.TASK, BindingField.COMPLETION));
        Object task = HookWeaverTest.verifiedInstance(TaskSubject.class, woven);

        assertThat(task.getClass().getField("CREATED_BY_INITIALIZER").get(null)).isNotNull();
        TaskBindingCarrier carrier = (TaskBindingCarrier) task;
        assertThat(carrier.taskctx$taskBinding()).isNull();
        assertThat(carrier.taskctx$casTaskBinding("other", "bound")).isFalse();
        assertThat(carrier.taskctx$casTaskBinding(null, "bound")).isTrue();
        assertThat(carrier.taskctx$taskBinding()).isEqualTo("bound");
        CompletionBindingCarrier completion = (CompletionBindingCarrier) task;
        assertThat(completion.taskctx$completionBinding()).as("a field of its own").isNull();
        assertThat(completion.taskctx$casCompletionBinding(null, "registered")).isTrue();
        assertThat(carrier.taskctx$taskBinding()).isEqualTo("bound");
        assertThat(completion.taskctx$completionBinding()).isEqualTo("registered");
    }

    @Test
    void aClassWithoutStaticInitializerGetsOne() throws Exception {
        byte[] woven = BindingField.add(classFile(WeavingSubject.class), List.of(BindingField.TASK));
        TaskBindingCarrier carrier = (TaskBindingCarrier) HookWeaverTest.verifiedInstance(WeavingSubject.class, woven);
        assertThat(carrier.taskctx$casTaskBinding(null, "bound")).isTrue();
        assertThat(carrier.taskctx$taskBinding()).isEqualTo("bound");
    }

    @Test
    void aClassThatHasTheFieldAlreadyIsLeftAsItIs() throws Exception {
        byte[] woven = BindingField.add(classFile(TaskSubject.class), List.of(BindingField.TASK));
        assertThat(BindingField.add(woven, List.of(BindingField.TASK))).isNull();
        byte[] both = BindingField.add(woven, List.of(BindingField.TASK, BindingField.COMPLETION));
        HookWeaverTest.verifiedInstance(TaskSubject.class, both);
    }

    @Test
    void carrierCallsLoseTheirCastsAndTheJvmStillChecksEachCall() throws Exception {
        byte[] original;
        try (InputStream in = TaskBindingCarrier.class.getClassLoader()
                .getResourceAsStream(UncheckedCarrierCalls.CLASS_NAME + ".class")) {
            original = in.readAllBytes();
        }
        assertThat(castsToCarriers(original)).as("casts before").hasSize(4);
        byte[] woven = UncheckedCarrierCalls.weave(original);
        assertThat(castsToCarriers(woven)).as("casts after").isEmpty();

        Class<?> calls = new ClassLoader(getClass().getClassLoader()) {
            Class<?> define() {
                return defineClass(null, woven, 0, woven.length);
            }
        }.define();
        java.lang.reflect.Method taskBinding = calls.getDeclaredMethod("taskBinding", Object.class);
        java.lang.reflect.Method casTaskBinding = calls.getDeclaredMethod("casTaskBinding", Object.class, Object.class, Object.class);
        taskBinding.setAccessible(true);
        casTaskBinding.setAccessible(true);
        Object task = HookWeaverTest.verifiedInstance(TaskSubject.class,
                BindingField.add(classFile(TaskSubject.class), List.of(BindingField.TASK)));
        assertThat(casTaskBinding.invoke(null, task, null, "bound")).isEqualTo(true);
        assertThat(taskBinding.invoke(null, task)).isEqualTo("bound");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> taskBinding.invoke(null, new Object()))
                .hasCauseInstanceOf(IncompatibleClassChangeError.class);
    }

    private static List<String> castsToCarriers(byte[] classFile) {
        List<String> casts = new java.util.ArrayList<>();
        new org.objectweb.asm.ClassReader(classFile).accept(new org.objectweb.asm.ClassVisitor(org.objectweb.asm.Opcodes.ASM9) {
            @Override
            public org.objectweb.asm.MethodVisitor visitMethod(int access, String name, String descriptor,
                                                               String signature, String[] exceptions) {
                return new org.objectweb.asm.MethodVisitor(org.objectweb.asm.Opcodes.ASM9) {
                    @Override
                    public void visitTypeInsn(int opcode, String type) {
                        if (opcode == org.objectweb.asm.Opcodes.CHECKCAST && type.endsWith("BindingCarrier")) {
                            casts.add(name + ": " + type);
                        }
                    }
                };
            }
        }, 0);
        return casts;
    }
}

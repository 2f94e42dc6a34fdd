package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.internal.LambdaClasses;
import java.util.List;

/**
 * Binding fields for lambdas: a {@code Runnable} lambda handed to a {@code ThreadPoolExecutor} (the
 * commonest hand-off there is) binds its snapshot in a field of its own class, as a {@code FutureTask}
 * does, instead of the side table. A lambda's class is hidden: no class file transformer sees it, and
 * it cannot be retransformed. The hook is where the JDK makes the class file of every lambda class,
 * {@code InnerClassLambdaMetafactory.generateInnerClass}, whose one call returning {@code byte[]}
 * makes the class file (JDK 17 and 21: ASM's {@code ClassWriter.toByteArray()}; JDK 25:
 * {@code ClassFile.build(...)}): the bytes it returns pass through {@link LambdaClasses}, which gives a {@code Runnable} lambda's class the field
 * where its host's class loader and module can see the carrier interface. A lambda class the JVM
 * takes from a CDS archive, or made before the agent, keeps the side table. Option
 * {@code lambdafields=off} leaves lambda classes as the JDK makes them.
 */
final class LambdaFieldInstrumentation implements HandOffFamily {

    private static final String FACTORY = "java/lang/invoke/InnerClassLambdaMetafactory";

    @Override
    public String name() {
        return "lambdafields";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        // The host class and the functional interface are the factory's own targetClass and interfaceClass
        // fields, read only where the factory's own code reads them (HookWeaver): a JDK that renamed one
        // keeps its lambdas' classes as they are.
        plan.add(FACTORY,
                MethodHook.on("generateInnerClass", "()Ljava/lang/Class;")
                        .filterResults("[B", Hooks.lambdaClassFile(Arg.RESULT,
                                Arg.THIS.readingField(FACTORY, "targetClass", "Ljava/lang/Class;"),
                                Arg.THIS.readingField(FACTORY, "interfaceClass", "Ljava/lang/Class;")))
                        .build());
        plan.uncheckedCarrierCalls = true;
        LambdaClasses.install(new Rewriter());
    }

    /** Adds the task binding field to the class file of a {@code Runnable} lambda ({@link LambdaClasses} chose it). */
    static final class Rewriter implements LambdaClasses.Rewriter {
        // Runs inside the linkage of a lambda: no lambda, method reference or string concatenation
        // (an invokedynamic) on this path.

        @Override
        public byte[] rewrite(byte[] classFile) {
            return BindingField.add(classFile, List.of(BindingField.TASK));
        }
    }
}

package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Result;

/**
 * Guava's {@code ListenableFuture}: a listener runs with the context of the code that registered it,
 * never with that of the thread that completes the future, as {@code CompletableFuture}'s dependent
 * stages do. Every listener (and so {@code Futures.addCallback}, {@code transform},
 * {@code transformAsync}, {@code catching}, {@code whenAllComplete}) is registered through
 * {@code AbstractFuture.addListener} or, for {@code ListenableFutureTask}, {@code ExecutionList.add}:
 * the listener is bound to the registering snapshot there. Guava is matched by class name in
 * whichever class loader has it; the agent never links to it.
 */
final class GuavaInstrumentation implements HandOffFamily {

    private static final String PACKAGE = "com/google/common/util/concurrent/";
    private static final String ADD_LISTENER = "(Ljava/lang/Runnable;Ljava/util/concurrent/Executor;)V";

    @Override
    public String name() {
        return "guava";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add(PACKAGE + "AbstractFuture", listenerAdded("addListener"));
        plan.add(PACKAGE + "ExecutionList", listenerAdded("add"));
    }

    private static MethodHook listenerAdded(String method) {
        return MethodHook.on(method, ADD_LISTENER)
                .enter(Hooks.listenerAdded(Arg.parameter(0)), Result.REPLACE_PARAMETER)
                .build();
    }
}

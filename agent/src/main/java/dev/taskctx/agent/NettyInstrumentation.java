package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Result;

/**
 * Netty's futures: the listeners of a {@code DefaultPromise} (and so of every {@code ChannelFuture})
 * run with the context of the code that added them, not with that of whichever thread completes the
 * promise, as {@code CompletableFuture}'s dependent stages and Guava's listeners do. Every
 * {@code addListener}/{@code addListeners} ends in {@code addListener0}, where the adding code's
 * snapshot is bound to the promise; every notification runs in {@code notifyListenersNow}, where it
 * is installed. An executor's termination future is the exception: it lives as long as the executor,
 * and {@code MultithreadEventExecutorGroup}'s constructor adds a listener to each loop's one, in the
 * context of whatever code builds the group (often a request); so each {@code SingleThreadEventExecutor}
 * binds its {@code terminationFuture} to the empty snapshot as its constructor returns, and no listener
 * added later keeps a value there (a hook on the group's constructor would have to cover its
 * {@code super()} call). Otherwise Netty's executors and event loops need nothing here: they are
 * {@code Executor}s and {@code ScheduledExecutorService}s. Matched by class name; the agent never links
 * to Netty.
 */
final class NettyInstrumentation implements HandOffFamily {

    private static final String EXECUTOR = "io/netty/util/concurrent/SingleThreadEventExecutor";

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("io/netty/util/concurrent/DefaultPromise",
                MethodHook.on("addListener0", "#1").enter(Hooks.promiseListenerAdded()).build(),
                MethodHook.on("notifyListenersNow", "()V")
                        .enter(Hooks.beginPromiseNotification(), Result.KEEP)
                        .exitAlways(Hooks.endTask())
                        .build());
        // A Netty loop is an application executor: its execute() keeps the executor hook.
        plan.addKeepingSuperTypeHooks(EXECUTOR, MethodHook.on("<init>", null)
                .exitOnReturn(Hooks.terminationFutureCreated(
                        Arg.THIS.readingField(EXECUTOR, "terminationFuture", "Lio/netty/util/concurrent/Promise;")))
                .build());
    }
}

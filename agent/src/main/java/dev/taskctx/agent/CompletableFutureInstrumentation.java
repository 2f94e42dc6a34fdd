package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Result;

/**
 * {@code CompletableFuture} dependent stages. Async stages are tasks handed to an executor (the
 * common pool, a given executor, JDK 17's thread-per-task executor) and propagate through it. A
 * dependent stage registered on an incomplete future is a {@code Completion} pushed on the future's
 * stack ({@code unipush}, {@code bipush}, {@code orpush}): the registering code's snapshot is bound
 * to it there, and installed around {@code tryFire} when the completing thread (or the registering
 * thread, if the future completed meanwhile) fires it, so that the callback, and any async stage it
 * hands on, runs in the registering code's context. {@link Weaver} applies the {@code tryFire} hook
 * to the nested classes of {@code CompletableFuture} except {@code Signaller}, which only wakes a
 * thread blocked in {@code get()}/{@code join()}.
 */
final class CompletableFutureInstrumentation implements HandOffFamily {

    @Override
    public String name() {
        return "completablefuture";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add("java/util/concurrent/CompletableFuture",
                MethodHook.on("unipush", "#1").enter(Hooks.completionRegistered(Arg.parameter(0))).build(),
                MethodHook.on("bipush", "#2").enter(Hooks.completionRegistered(Arg.parameter(1))).build(),
                MethodHook.on("orpush", "#2").enter(Hooks.completionRegistered(Arg.parameter(1))).build());
        plan.completions.add(MethodHook.on("tryFire", "(I)")
                .enter(Hooks.beginCompletion(), Result.KEEP)
                .exitAlways(Hooks.endTask())
                .build());
    }
}

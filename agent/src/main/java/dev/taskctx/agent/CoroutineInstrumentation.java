package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;

/**
 * Kotlin coroutines (kotlinx.coroutines): a coroutine is a task with its own copy of its creator's
 * context, current on every thread it resumes on. {@code AbstractCoroutine}'s constructor (every
 * {@code launch}, {@code async}, {@code produce}, {@code runBlocking}, {@code withContext},
 * {@code coroutineScope}) binds a copy of the creating code's context to the coroutine's
 * {@code CoroutineContext}. kotlinx brackets every run of a coroutine's code on a thread (a
 * dispatched resume, an undispatched or unconfined one, {@code runBlocking}'s loop) with
 * {@code updateThreadContext}/{@code restoreThreadContext} of that context, where its own context is
 * installed and, when it suspends or ends, kept and the thread's previous context put back; the
 * body of a scope ({@code coroutineScope}, {@code supervisorScope}, {@code withTimeout}) starts
 * undispatched in {@code startUndispatched}, which is bracketed the same way. The dispatching
 * thread's context never reaches the coroutine. Matched by class name; the agent never links to
 * kotlinx or the Kotlin standard library.
 */
final class CoroutineInstrumentation implements HandOffFamily {

    private static final String ABSTRACT_COROUTINE = "kotlinx/coroutines/AbstractCoroutine";
    private static final String CONTEXT_OF_COROUTINE = "()Lkotlin/coroutines/CoroutineContext;";

    @Override
    public String name() {
        return "coroutines";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        Arg coroutineContext = Arg.THIS.invoking(ABSTRACT_COROUTINE, "getContext", CONTEXT_OF_COROUTINE);
        plan.add(ABSTRACT_COROUTINE,
                MethodHook.on("<init>", "(Lkotlin/coroutines/CoroutineContext;ZZ)V")
                        .exitOnReturn(Hooks.coroutineCreated(coroutineContext))
                        .build(),
                // Called once, when the coroutine and its children are done: its binding goes.
                MethodHook.on("onCompletionInternal", "(Ljava/lang/Object;)V")
                        .enter(Hooks.coroutineCompleted(coroutineContext))
                        .build());
        plan.add("kotlinx/coroutines/internal/ThreadContextKt",
                MethodHook.on("updateThreadContext", "(Lkotlin/coroutines/CoroutineContext;Ljava/lang/Object;)")
                        .includingStatic()
                        .enter(Hooks.coroutineResumes(Arg.parameter(0)))
                        .build(),
                MethodHook.on("restoreThreadContext", "(Lkotlin/coroutines/CoroutineContext;Ljava/lang/Object;)V")
                        .includingStatic()
                        .enter(Hooks.coroutineSuspends(Arg.parameter(0)))
                        .build());
        Arg scopeContext = Arg.parameter(0).invoking(ABSTRACT_COROUTINE, "getContext", CONTEXT_OF_COROUTINE);
        plan.add("kotlinx/coroutines/intrinsics/UndispatchedKt",
                MethodHook.on("startUndispatched", "#4")
                        .includingStatic()
                        .enter(Hooks.coroutineResumes(scopeContext))
                        .exitAlways(Hooks.coroutineSuspends(scopeContext))
                        .build());
    }
}

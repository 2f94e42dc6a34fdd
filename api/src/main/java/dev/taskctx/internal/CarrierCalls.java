package dev.taskctx.internal;

/**
 * The calls of a binding field's two methods, for {@link Bindings}, which has checked that the task
 * carries the field. The agent removes the casts from these methods as this class loads (agent
 * {@code UncheckedCarrierCalls}): an {@code invokeinterface} needs none to be valid, and a cast to an
 * interface writes the task class's one-entry secondary-supers cache whenever other code last checked
 * that class against another interface. On JDK 17 to 22 the submitting and the running core then take
 * turns writing the same cache line (JDK-8180450): about 15 ns per lambda hand-off through a pool,
 * measured with {@code threadPoolExecutorQueued}. Without the agent the casts stay: they are correct,
 * only slower.
 */
final class CarrierCalls {

    private CarrierCalls() {
    }

    static Object taskBinding(Object task) {
        return ((TaskBindingCarrier) task).taskctx$taskBinding();
    }

    static boolean casTaskBinding(Object task, Object expected, Object update) {
        return ((TaskBindingCarrier) task).taskctx$casTaskBinding(expected, update);
    }

    static Object completionBinding(Object completion) {
        return ((CompletionBindingCarrier) completion).taskctx$completionBinding();
    }

    static boolean casCompletionBinding(Object completion, Object expected, Object update) {
        return ((CompletionBindingCarrier) completion).taskctx$casCompletionBinding(expected, update);
    }
}

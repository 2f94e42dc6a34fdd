package dev.taskctx.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Called from the static initializer of a class the agent gave a binding field
 * ({@link TaskBindingCarrier}, {@link CompletionBindingCarrier}): the handle its compare-and-set
 * method uses. Kept apart from {@link AgentHooks} so that initializing a JDK task class needs nothing
 * else of the core.
 *
 * <p>Internal: public only because JDK classes call it.
 */
public final class BindingHandles {

    private BindingHandles() {
    }

    /**
     * The handle of the field {@code name} of type {@code Object} declared by {@code lookup}'s class.
     *
     * @throws IllegalStateException if the agent's weaving and this method disagree about the field
     */
    public static VarHandle of(MethodHandles.Lookup lookup, String name) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), name, Object.class);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("taskctx: no binding field " + name + " in " + lookup.lookupClass(), e);
        }
    }
}

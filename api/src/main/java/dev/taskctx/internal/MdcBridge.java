package dev.taskctx.internal;

import dev.taskctx.CarriedThreadLocal;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * SLF4J's MDC as a carried thread-local (agent option {@code mdc}), reached through method handles on
 * the application's own {@code org.slf4j.MDC}, so taskctx depends on no SLF4J at compile or run time.
 * The agent's advice on {@code MDC.put} and {@code MDC.setContextMap} hands the class over after its
 * first use: SLF4J has bound its backend by then, so a capture (even one inside a Thread constructor)
 * never starts SLF4J's initialisation, and each copy of SLF4J in its own class loader gets its own bridge.
 */
final class MdcBridge implements CarriedThreadLocal<Map<?, ?>> {

    private static final Set<Class<?>> BRIDGED = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The fast path of {@link #inUse}: every MDC.put ends with a comparison against it. */
    private static volatile Class<?> lastBridged;

    private final Class<?> mdc;
    private final MethodHandle copyOfContextMap;
    private final MethodHandle setContextMap;
    private final MethodHandle clear;

    private MdcBridge(Class<?> mdc) throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        this.mdc = mdc;
        this.copyOfContextMap = lookup.findStatic(mdc, "getCopyOfContextMap", MethodType.methodType(Map.class));
        this.setContextMap = lookup.findStatic(mdc, "setContextMap", MethodType.methodType(void.class, Map.class));
        this.clear = lookup.findStatic(mdc, "clear", MethodType.methodType(void.class));
    }

    /** {@code mdc} (an {@code org.slf4j.MDC} class) has been used: carry its values from now on. */
    static void inUse(Class<?> mdc) {
        if (mdc == lastBridged) {
            return;
        }
        // Registered under the lock: a thread whose first put comes while another sets the bridge up
        // must not return (and hand off without its MDC) before the bridge is registered.
        synchronized (BRIDGED) {
            if (BRIDGED.add(mdc)) {
                try {
                    CarriedThreadLocals.register(new MdcBridge(mdc));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    System.err.println("taskctx: cannot carry the SLF4J MDC of " + mdc.getClassLoader() + " (" + e
                            + "); MDC values stay on their thread");
                }
            }
            lastBridged = mdc;
        }
    }

    @Override
    public Map<?, ?> read() {
        Map<?, ?> values;
        try {
            values = (Map<?, ?>) copyOfContextMap.invokeExact();
        } catch (Throwable t) {
            throw unchecked(t);
        }
        return values == null || values.isEmpty() ? null : values;
    }

    @Override
    public void write(Map<?, ?> values) {
        try {
            // SLF4J's contract: setContextMap copies, so the task's MDC.put never reaches the captured map.
            setContextMap.invokeExact(values);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    @Override
    public void clear() {
        try {
            clear.invokeExact();
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** MDC's methods declare no checked exception; anything else is passed on as it is. */
    private static RuntimeException unchecked(Throwable failure) {
        if (failure instanceof Error) {
            throw (Error) failure;
        }
        return failure instanceof RuntimeException ? (RuntimeException) failure : new IllegalStateException(failure);
    }

    @Override
    public String toString() {
        return "MDC bridge for " + mdc.getName() + " in " + mdc.getClassLoader();
    }
}

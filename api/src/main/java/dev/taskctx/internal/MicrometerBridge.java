package dev.taskctx.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The thread-locals of Micrometer's {@code ContextRegistry.getInstance()} as one carried thread-local
 * (agent option {@code micrometer}), reached through method handles on the application's own
 * {@code io.micrometer.context} classes, so taskctx depends on no Micrometer at compile or run time.
 *
 * <p>The agent's advice on {@code registerThreadLocalAccessor} and {@code removeThreadLocalAccessor}
 * hands the registry over whenever its accessors change; the bridge keeps them in an array, read by
 * every capture, and is registered with {@link CarriedThreadLocals} only while that array is not empty,
 * so an empty registry adds nothing to a hand-off. Installing follows Micrometer's own
 * {@code ContextSnapshot}: the previous value is kept, {@code setValue(value)} or {@code setValue()}
 * installs, and {@code restore(previous)} or {@code restore()} undoes it, so that accessors that open a
 * scope in {@code setValue} (Micrometer Observation, tracing) close it again. An accessor is only
 * touched where the task or the thread has a value for it. taskctx's own accessor
 * ({@code taskctx-micrometer}, key {@code dev.taskctx.TaskContext}) is left out: the agent carries the
 * task context itself.
 */
final class MicrometerBridge implements ScopedAccessor {

    /** The key of taskctx-micrometer's accessor for the whole task context. */
    private static final String TASK_CONTEXT_KEY = "dev.taskctx.TaskContext";

    private static final Object[] NONE = {};

    /** One bridge per {@code ContextRegistry} class, that is per copy of Micrometer in its own class loader. */
    private static final Map<Class<?>, MicrometerBridge> BRIDGES = new HashMap<>();

    private static final Set<Object> REPORTED = Collections.newSetFromMap(new IdentityHashMap<>());

    private final Class<?> registryClass;
    private final MethodHandle getInstance;
    private final MethodHandle getThreadLocalAccessors;
    private final MethodHandle key;
    private final MethodHandle getValue;
    private final MethodHandle setValue;
    private final MethodHandle clearValue;
    private final MethodHandle restoreValue;
    private final MethodHandle restoreNone;

    /** The global registry's accessors, taskctx's own left out; replaced whole when the registry changes. */
    private volatile Object[] accessors = NONE;

    private MicrometerBridge(Class<?> registryClass) throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Class<?> accessorType = Class.forName("io.micrometer.context.ThreadLocalAccessor", false,
                registryClass.getClassLoader());
        this.registryClass = registryClass;
        this.getInstance = lookup.findStatic(registryClass, "getInstance", MethodType.methodType(registryClass))
                .asType(MethodType.methodType(Object.class));
        this.getThreadLocalAccessors = lookup.findVirtual(registryClass, "getThreadLocalAccessors",
                MethodType.methodType(List.class)).asType(MethodType.methodType(List.class, Object.class));
        this.key = virtual(lookup, accessorType, "key", Object.class);
        this.getValue = virtual(lookup, accessorType, "getValue", Object.class);
        this.setValue = virtual(lookup, accessorType, "setValue", void.class, Object.class);
        this.clearValue = virtual(lookup, accessorType, "setValue", void.class);
        this.restoreValue = virtual(lookup, accessorType, "restore", void.class, Object.class);
        this.restoreNone = virtual(lookup, accessorType, "restore", void.class);
    }

    /** A handle on {@code type.name} that takes the receiver as an {@code Object}, for {@code invokeExact}. */
    private static MethodHandle virtual(MethodHandles.Lookup lookup, Class<?> type, String name, Class<?> returned,
                                        Class<?>... parameters) throws ReflectiveOperationException {
        MethodHandle handle = lookup.findVirtual(type, name, MethodType.methodType(returned, parameters));
        Class<?>[] erased = new Class<?>[parameters.length + 1];
        java.util.Arrays.fill(erased, Object.class);
        return handle.asType(MethodType.methodType(returned, erased));
    }

    /**
     * An accessor was registered with or removed from {@code registry}, an instance of the
     * {@code ContextRegistry} class {@code registryClass}: carry what the global registry holds now.
     */
    static void registryChanged(Class<?> registryClass, Object registry) {
        MicrometerBridge bridge;
        synchronized (BRIDGES) {
            bridge = BRIDGES.get(registryClass);
            if (bridge == null) {
                if (BRIDGES.containsKey(registryClass)) {
                    return;
                }
                try {
                    bridge = new MicrometerBridge(registryClass);
                } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                    BRIDGES.put(registryClass, null);
                    System.err.println("taskctx: cannot carry the Micrometer context-propagation thread-locals of "
                            + registryClass.getClassLoader() + " (" + e + "); they stay on their thread");
                    return;
                }
                BRIDGES.put(registryClass, bridge);
            }
        }
        bridge.refresh(registry);
    }

    private synchronized void refresh(Object registry) {
        Object[] all;
        try {
            // Null while ContextRegistry's static initialiser, on this thread, still loads the global
            // instance's accessors: then the registry being filled is the global one.
            Object global = (Object) getInstance.invokeExact();
            if (global != null && global != registry) {
                return;
            }
            all = ((List<?>) getThreadLocalAccessors.invokeExact(registry)).toArray();
        } catch (Throwable t) {
            report(registryClass, registryClass.getName(), "getThreadLocalAccessors", t);
            return;
        }
        int kept = 0;
        for (int i = 0; i < all.length; i++) {
            if (!isTaskContextAccessor(all[i])) {
                all[kept++] = all[i];
            }
        }
        Object[] carried = kept == 0 ? NONE : java.util.Arrays.copyOf(all, kept);
        accessors = carried;
        if (carried.length == 0) {
            CarriedThreadLocals.unregister(this);
        } else {
            CarriedThreadLocals.register(this);
        }
    }

    private boolean isTaskContextAccessor(Object accessor) {
        try {
            return TASK_CONTEXT_KEY.equals((Object) key.invokeExact(accessor));
        } catch (Throwable t) {
            report(accessor, accessor.getClass().getName(), "key", t);
            return false;
        }
    }

    @Override
    public Object read() {
        Object[] current = accessors;
        Object[] values = null;
        for (int i = 0; i < current.length; i++) {
            Object value;
            try {
                value = (Object) getValue.invokeExact(current[i]);
            } catch (Throwable t) {
                report(current[i], current[i].getClass().getName(), "getValue", t);
                continue;
            }
            if (value != null) {
                if (values == null) {
                    values = new Object[current.length];
                }
                values[i] = value;
            }
        }
        return values == null ? null : new Values(current, values);
    }

    @Override
    public Object install(Object value, boolean restored, Object previousValue) {
        Values task = value instanceof Values ? (Values) value : null;
        Values before = previousValue instanceof Values ? (Values) previousValue : null;
        Object[] current = accessors;
        Object[] changed = null;
        Object[] previous = null;
        int count = 0;
        for (int i = 0; i < current.length; i++) {
            Object accessor = current[i];
            Object installed = task == null ? null : task.valueOf(current, i);
            Object replaced = before == null ? null : before.valueOf(current, i);
            if (installed == null && (replaced == null || !restored)) {
                // Neither the task nor the thread has a value: Micrometer's accessor is not touched.
                continue;
            }
            try {
                if (installed != null) {
                    setValue.invokeExact(accessor, installed);
                } else {
                    clearValue.invokeExact(accessor);
                }
            } catch (Throwable t) {
                report(accessor, accessor.getClass().getName(), "setValue", t);
                continue;
            }
            if (restored) {
                if (changed == null) {
                    changed = new Object[current.length - i];
                    previous = new Object[current.length - i];
                }
                changed[count] = accessor;
                previous[count++] = replaced;
            }
        }
        return count == 0 ? null : new Scope(changed, previous, count);
    }

    @Override
    public void restore(Object scope) {
        if (!(scope instanceof Scope)) {
            return;
        }
        Scope opened = (Scope) scope;
        for (int i = opened.count - 1; i >= 0; i--) {
            Object accessor = opened.accessors[i];
            Object previous = opened.previous[i];
            try {
                if (previous != null) {
                    restoreValue.invokeExact(accessor, previous);
                } else {
                    restoreNone.invokeExact(accessor);
                }
            } catch (Throwable t) {
                report(accessor, accessor.getClass().getName(), "restore", t);
            }
        }
    }

    private static void report(Object culprit, String name, String call, Throwable failure) {
        synchronized (REPORTED) {
            if (!REPORTED.add(culprit)) {
                return;
            }
        }
        System.err.println("taskctx: Micrometer context-propagation " + name + " failed in " + call + "() (" + failure
                + "); its value is not carried where it fails");
    }

    /** What {@link #read()} found: values beside the accessors they were read from; null where none. */
    private static final class Values {
        final Object[] accessors;
        final Object[] values;

        Values(Object[] accessors, Object[] values) {
            this.accessors = accessors;
            this.values = values;
        }

        /** The value read from {@code current[index]}, matched by identity if the registry changed since. */
        Object valueOf(Object[] current, int index) {
            if (current == accessors) {
                return values[index];
            }
            for (int i = 0; i < accessors.length; i++) {
                if (accessors[i] == current[index]) {
                    return values[i];
                }
            }
            return null;
        }
    }

    /** What one {@link #install} changed: the accessors it set, in order, and the values they had before. */
    private static final class Scope {
        final Object[] accessors;
        final Object[] previous;
        final int count;

        Scope(Object[] accessors, Object[] previous, int count) {
            this.accessors = accessors;
            this.previous = previous;
            this.count = count;
        }
    }

    @Override
    public String toString() {
        return "Micrometer context-propagation bridge for " + registryClass.getName() + " in "
                + registryClass.getClassLoader();
    }
}

package dev.taskctx.bootstrap;

import dev.taskctx.Snapshot;
import dev.taskctx.TaskContext;
import dev.taskctx.CarriedThreadLocal;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * What a joined copy of the api calls instead of its own code (see {@code ApiCopyInstrumentation}): a
 * {@code TaskContext} defined by another class loader or in a module layer, woven by the agent, acts
 * on the one context of this, the bootstrap copy. It lives in a package that no api jar carries, so a
 * child-first loader holding the api still finds this class through its parents; it uses nothing but
 * the public api.
 *
 * <p>A copy's {@code Snapshot} wraps a bootstrap {@code Snapshot}: its {@code values} map is a
 * {@link BridgedValues} that reads the bootstrap snapshot, so the copy's own {@code get},
 * {@code asMap}, {@code isEmpty}, {@code isShared} and {@code toString} work unchanged, and its woven
 * {@code run}/{@code call}/{@code wrap} find the bootstrap snapshot through that map.
 */
public final class ApiCopyBridge {

    /** The constructor {@code Snapshot(Map, boolean)} of each copy's {@code Snapshot} class. */
    private static final ClassValue<MethodHandle> SNAPSHOT_FACTORIES = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> copy) {
            try {
                return MethodHandles.privateLookupIn(copy, MethodHandles.lookup())
                        .findConstructor(copy, MethodType.methodType(void.class, Map.class, boolean.class))
                        .asType(MethodType.methodType(Object.class, Map.class, boolean.class));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("taskctx: cannot join the api copy " + copy + " loaded by "
                        + copy.getClassLoader(), e);
            }
        }
    };

    /** The accessors registered through copies, each with its adapter; registration is rare, a list will do. */
    private static final List<CopyAccessor> ACCESSORS = new ArrayList<>();

    private ApiCopyBridge() {
    }

    public static Object get(String key) {
        return TaskContext.get(key);
    }

    public static Object get(String key, Object defaultValue) {
        return TaskContext.get(key, defaultValue);
    }

    public static void set(String key, Object value) {
        TaskContext.set(key, value);
    }

    public static void remove(String key) {
        TaskContext.remove(key);
    }

    public static void clear() {
        TaskContext.clear();
    }

    public static Map<String, Object> asMap() {
        return TaskContext.asMap();
    }

    public static boolean agentActive() {
        return TaskContext.agentActive();
    }

    public static void runShared(Runnable block) {
        TaskContext.runShared(block);
    }

    public static Object callShared(Callable<?> block) throws Exception {
        return TaskContext.callShared(block);
    }

    /** {@code TaskContext.capture()} of a copy: the bootstrap snapshot in a {@code snapshotType} of that copy. */
    public static Object capture(Class<?> snapshotType) throws Throwable {
        Snapshot snapshot = TaskContext.capture();
        if (snapshotType == Snapshot.class) {
            // A copy whose loader resolves Snapshot to this one (loaded after a late attach).
            return snapshot;
        }
        return (Object) SNAPSHOT_FACTORIES.get(snapshotType).invokeExact((Map<String, Object>) new BridgedValues(snapshot),
                snapshot.isShared());
    }

    public static void run(Map<String, Object> values, Runnable task) {
        snapshotOf(values).run(task);
    }

    public static Object call(Map<String, Object> values, Callable<?> task) throws Exception {
        return snapshotOf(values).call(task);
    }

    public static Runnable wrap(Map<String, Object> values, Runnable task) {
        return snapshotOf(values).wrap(task);
    }

    public static Callable<?> wrap(Map<String, Object> values, Callable<?> task) {
        return snapshotOf(values).wrap(task);
    }

    /** {@code TaskContext.register} of a copy: its accessor type is that copy's {@code CarriedThreadLocal}. */
    public static void register(Object accessor, Class<?> accessorType) {
        if (accessor instanceof CarriedThreadLocal || accessor == null) {
            TaskContext.register((CarriedThreadLocal<?>) accessor);
            return;
        }
        synchronized (ACCESSORS) {
            for (CopyAccessor registered : ACCESSORS) {
                if (registered.accessor == accessor) {
                    return;
                }
            }
            CopyAccessor adapter = new CopyAccessor(accessor, accessorType);
            ACCESSORS.add(adapter);
            TaskContext.register(adapter);
        }
    }

    public static void unregister(Object accessor, Class<?> accessorType) {
        if (accessor instanceof CarriedThreadLocal || accessor == null) {
            TaskContext.unregister((CarriedThreadLocal<?>) accessor);
            return;
        }
        synchronized (ACCESSORS) {
            for (int i = 0; i < ACCESSORS.size(); i++) {
                if (ACCESSORS.get(i).accessor == accessor) {
                    TaskContext.unregister(ACCESSORS.remove(i));
                    return;
                }
            }
        }
    }

    /**
     * The bootstrap snapshot a copy's snapshot stands for. A copy's own snapshot that does not wrap one
     * (its {@code Snapshot.empty()}, or one taken before the agent was attached) is rebuilt from its entries.
     */
    private static Snapshot snapshotOf(Map<String, Object> values) {
        if (values instanceof BridgedValues) {
            return ((BridgedValues) values).snapshot;
        }
        if (values.isEmpty()) {
            return Snapshot.empty();
        }
        try {
            return Snapshot.empty().call(new Callable<Snapshot>() {
                @Override
                public Snapshot call() {
                    for (Map.Entry<String, Object> entry : values.entrySet()) {
                        TaskContext.set(entry.getKey(), entry.getValue());
                    }
                    return TaskContext.capture();
                }
            });
        } catch (Exception cannotHappen) {
            throw new IllegalStateException(cannotHappen);
        }
    }

    /** The entries of a bootstrap snapshot as a copy's {@code Snapshot} holds them: read-only, live for a shared one. */
    static final class BridgedValues extends AbstractMap<String, Object> {
        final Snapshot snapshot;

        BridgedValues(Snapshot snapshot) {
            this.snapshot = snapshot;
        }

        @Override
        public Object get(Object key) {
            return key instanceof String ? snapshot.get((String) key) : null;
        }

        @Override
        public boolean containsKey(Object key) {
            return get(key) != null;
        }

        @Override
        public int size() {
            return snapshot.asMap().size();
        }

        @Override
        public boolean isEmpty() {
            return snapshot.asMap().isEmpty();
        }

        @Override
        public Set<Map.Entry<String, Object>> entrySet() {
            return snapshot.asMap().entrySet();
        }
    }

    /** A copy's {@code CarriedThreadLocal}, called through method handles of that copy's interface. */
    static final class CopyAccessor implements CarriedThreadLocal<Object> {
        final Object accessor;
        private final MethodHandle read;
        private final MethodHandle write;
        private final MethodHandle clear;

        CopyAccessor(Object accessor, Class<?> accessorType) {
            this.accessor = accessor;
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                read = lookup.findVirtual(accessorType, "read", MethodType.methodType(Object.class))
                        .bindTo(accessor).asType(MethodType.methodType(Object.class));
                write = lookup.findVirtual(accessorType, "write", MethodType.methodType(void.class, Object.class))
                        .bindTo(accessor).asType(MethodType.methodType(void.class, Object.class));
                clear = lookup.findVirtual(accessorType, "clear", MethodType.methodType(void.class))
                        .bindTo(accessor).asType(MethodType.methodType(void.class));
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException("taskctx: " + accessor.getClass().getName()
                        + " is not a CarriedThreadLocal of " + accessorType, e);
            }
        }

        @Override
        public Object read() {
            try {
                return (Object) read.invokeExact();
            } catch (Throwable e) {
                throw unchecked(e);
            }
        }

        @Override
        public void write(Object value) {
            try {
                write.invokeExact(value);
            } catch (Throwable e) {
                throw unchecked(e);
            }
        }

        @Override
        public void clear() {
            try {
                clear.invokeExact();
            } catch (Throwable e) {
                throw unchecked(e);
            }
        }

        @Override
        public String toString() {
            return accessor.toString();
        }

        /** What an accessor's method threw, as it was where unchecked; the propagation core reports it. */
        private static RuntimeException unchecked(Throwable thrown) {
            if (thrown instanceof RuntimeException) {
                return (RuntimeException) thrown;
            }
            if (thrown instanceof Error) {
                throw (Error) thrown;
            }
            return new IllegalStateException(thrown);
        }
    }
}

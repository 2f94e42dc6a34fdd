package dev.taskctx.agent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the enabled families instrument: hooks per JDK class name, hooks for the {@code Completion}
 * classes of {@code CompletableFuture}, binding fields for JDK task classes, and hooks for application classes that are executors or
 * {@code Thread} subclasses. Filled at premain, read-only afterwards.
 */
final class WeavingPlan {

    static final String COMPLETION_PREFIX = "java/util/concurrent/CompletableFuture$";

    final Map<String, List<MethodHook>> byClass = new HashMap<>();
    final List<MethodHook> completions = new ArrayList<>();
    final List<MethodHook> applicationExecutors = new ArrayList<>();
    /** For application classes that implement {@code ScheduledExecutorService} (and are not JDK pools). */
    final List<MethodHook> applicationScheduledExecutors = new ArrayList<>();
    final List<MethodHook> applicationThreads = new ArrayList<>();
    /**
     * Library classes in {@link #byClass} that also get the hooks their super types give an application
     * class (an executor's {@code execute}); any other class in {@link #byClass} gets its named hooks only.
     */
    final Set<String> keepingSuperTypeHooks = new HashSet<>();
    /** Binding fields to add per JDK class name, as the class loads ({@link BindingField}). */
    final Map<String, List<BindingField>> fields = new HashMap<>();
    /** Whether the api's {@code CarrierCalls} loses its casts ({@link UncheckedCarrierCalls}): some class gets a binding field. */
    boolean uncheckedCarrierCalls;
    /** Named JDK modules besides {@code java.base} whose woven classes call the core, so must read it. */
    final Set<String> coreReaders = new HashSet<>();
    /** Application executors left alone ({@code executors.exclude}), as binary names. */
    final Set<String> excludedExecutors = new HashSet<>();

    /** Adds {@code hooks} to the class with the internal name {@code className}. */
    void add(String className, MethodHook... hooks) {
        List<MethodHook> list = listFor(byClass, className);
        for (MethodHook hook : hooks) {
            list.add(hook);
        }
    }

    /** Adds {@code hooks} to the library class {@code className}, which keeps the hooks its super types give it. */
    void addKeepingSuperTypeHooks(String className, MethodHook... hooks) {
        add(className, hooks);
        keepingSuperTypeHooks.add(className);
    }

    /** Adds {@code field} to the class with the internal name {@code className} when it loads. */
    void addField(String className, BindingField field) {
        listFor(fields, className).add(field);
    }

    /** The list of {@code className} in {@code map}, made empty if it has none. */
    private static <T> List<T> listFor(Map<String, List<T>> map, String className) {
        // No lambda (computeIfAbsent) here or anywhere on the start-up path: the first one costs the JVM tens of milliseconds.
        List<T> list = map.get(className);
        if (list == null) {
            list = new ArrayList<>();
            map.put(className, list);
        }
        return list;
    }

    boolean isEmpty() {
        return byClass.isEmpty() && fields.isEmpty() && !uncheckedCarrierCalls && completions.isEmpty() && applicationExecutors.isEmpty()
                && applicationScheduledExecutors.isEmpty() && applicationThreads.isEmpty();
    }
}

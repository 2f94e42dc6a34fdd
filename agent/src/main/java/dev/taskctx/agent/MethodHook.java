package dev.taskctx.agent;

import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * What the agent adds to one method: a call into the propagation core at its entry, at its exit, or
 * both, or the redirection of one call it makes. Every call goes to a static method of
 * {@code dev.taskctx.internal.AgentHooks}, which never throws.
 */
final class MethodHook {

    /** Where a value passed to a hook comes from. */
    enum Source {
        /** {@code this}. */
        THIS,
        /** A parameter of the method, by index ({@link Arg#index}). */
        PARAMETER,
        /** What the entry hook returned ({@link Result#KEEP}). */
        KEPT,
        /** The throwable leaving the method, {@code null} on a normal return. */
        THROWN,
        /** {@code null}. */
        NULL,
        /** The class being woven, as a {@code Class} constant. */
        OWN_CLASS,
        /** What the call a result filter follows returned: already on the stack ({@link Builder#filterResults}). */
        RESULT
    }

    /** One value passed to a hook. */
    static final class Arg {
        final Source source;
        /** The parameter's index; negative counts from the end ({@code -1} is the last parameter). */
        final int index;
        /** A getter called on the value before it is passed ({@link #invoking}), or a field of it read ({@link #readingField}), or null. */
        final String getterOwner;
        final String getterName;
        final String getterDescriptor;
        /** Whether the "getter" is a field of the value, read directly ({@link #readingField}). */
        final boolean readsField;

        private Arg(Source source, int index) {
            this(source, index, null, null, null, false);
        }

        private Arg(Source source, int index, String getterOwner, String getterName, String getterDescriptor,
                    boolean readsField) {
            this.source = source;
            this.index = index;
            this.getterOwner = getterOwner;
            this.getterName = getterName;
            this.getterDescriptor = getterDescriptor;
            this.readsField = readsField;
        }

        static Arg parameter(int index) {
            return new Arg(Source.PARAMETER, index);
        }

        /** The last parameter, whatever the method's arity. */
        static Arg lastParameter() {
            return new Arg(Source.PARAMETER, -1);
        }

        /**
         * What the instance method {@code owner.name descriptor} returns for this value (one slot):
         * lets a hook receive, say, a coroutine's context without the propagation core linking to
         * the library that defines it.
         */
        Arg invoking(String owner, String name, String descriptor) {
            return new Arg(source, index, owner, name, descriptor, false);
        }

        /**
         * The field {@code owner.name} (of type {@code descriptor}, one slot) of this value. Woven only
         * into a class whose own code reads a field of that name and type ({@link HookWeaver}): a field
         * another JDK version renamed leaves the class as it is instead of failing where it runs.
         */
        Arg readingField(String owner, String name, String descriptor) {
            return new Arg(source, index, owner, name, descriptor, true);
        }

        static final Arg THIS = new Arg(Source.THIS, -1);
        static final Arg KEPT = new Arg(Source.KEPT, -1);
        static final Arg THROWN = new Arg(Source.THROWN, -1);
        static final Arg NULL = new Arg(Source.NULL, -1);
        static final Arg OWN_CLASS = new Arg(Source.OWN_CLASS, -1);
        static final Arg RESULT = new Arg(Source.RESULT, -1);
    }

    /** What happens to the entry hook's return value. */
    enum Result {
        /** The hook returns nothing. */
        NONE,
        /** The return value replaces the parameter the entry call's first value is (a task bound to its snapshot). */
        REPLACE_PARAMETER,
        /** The return value is kept for the exit hook ({@link Arg#KEPT}). */
        KEEP
    }

    /** A static call: its name and descriptor on {@code AgentHooks}, and the values it takes. */
    static final class Call {
        final String name;
        final String descriptor;
        final List<Arg> args;

        Call(String name, String descriptor, Arg... args) {
            this.name = name;
            this.descriptor = descriptor;
            this.args = List.of(args);
        }
    }

    final String methodName;
    /** The method's descriptor, or {@code null} for every descriptor accepted by {@link #accepts}. */
    final String descriptor;
    final Call enter;
    final Result enterResult;
    final Call exit;
    /** Whether {@link #exit} also runs when the method throws (the throwable is rethrown). */
    final boolean exitOnThrow;
    /** Call-site redirection: calls of {@code redirectOwner.redirectName()V} become {@code redirectTarget(owner)}. */
    final String redirectOwner;
    final String redirectName;
    final String redirectTarget;
    /** Result filter: each call this method makes that returns {@code filteredReturn} (a descriptor) is followed by {@link #filter}. */
    final String filteredReturn;
    final Call filter;
    /** Constructors: the (0-based) index of the parameter that must be the {@code Runnable} task, else -1. */
    final int runnableParameter;
    final boolean includeStatic;

    private MethodHook(Builder b) {
        this.methodName = b.methodName;
        this.descriptor = b.descriptor;
        this.enter = b.enter;
        this.enterResult = b.enterResult;
        this.exit = b.exit;
        this.exitOnThrow = b.exitOnThrow;
        this.redirectOwner = b.redirectOwner;
        this.redirectName = b.redirectName;
        this.redirectTarget = b.redirectTarget;
        this.filteredReturn = b.filteredReturn;
        this.filter = b.filter;
        this.runnableParameter = b.runnableParameter;
        this.includeStatic = b.includeStatic;
    }

    static Builder on(String methodName, String descriptor) {
        return new Builder(methodName, descriptor);
    }

    /** Whether this hook applies to the method {@code name descriptor} with {@code access} flags. */
    boolean accepts(int access, String name, String methodDescriptor) {
        if (!name.equals(methodName) || (access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
            return false;
        }
        if ((access & Opcodes.ACC_STATIC) != 0 && !includeStatic) {
            return false;
        }
        if (runnableParameter >= 0) {
            Type[] parameters = Type.getArgumentTypes(methodDescriptor);
            if (parameters.length <= runnableParameter
                    || !parameters[runnableParameter].getDescriptor().equals("Ljava/lang/Runnable;")) {
                return false;
            }
        }
        if (descriptor == null) {
            return true;
        }
        if (descriptor.startsWith("#")) {
            return Type.getArgumentTypes(methodDescriptor).length == Integer.parseInt(descriptor.substring(1));
        }
        // "(I)" matches every return type.
        return descriptor.endsWith(")") ? methodDescriptor.startsWith(descriptor) : descriptor.equals(methodDescriptor);
    }

    /**
     * Builds a hook. The descriptor is exact, or {@code "#n"} for any method with {@code n} parameters,
     * or parameters only ({@code "(I)"}) for any return type, or {@code null} for any descriptor.
     */
    static final class Builder {
        private final String methodName;
        private final String descriptor;
        private Call enter;
        private Result enterResult = Result.NONE;
        private Call exit;
        private boolean exitOnThrow;
        private String redirectOwner;
        private String redirectName;
        private String redirectTarget;
        private String filteredReturn;
        private Call filter;
        private int runnableParameter = -1;
        private boolean includeStatic;

        private Builder(String methodName, String descriptor) {
            this.methodName = methodName;
            this.descriptor = descriptor;
        }

        Builder enter(Call call) {
            this.enter = call;
            return this;
        }

        Builder enter(Call call, Result result) {
            this.enter = call;
            this.enterResult = result;
            return this;
        }

        /** Calls {@code call} before each normal return only. */
        Builder exitOnReturn(Call call) {
            this.exit = call;
            this.exitOnThrow = false;
            return this;
        }

        /** Calls {@code call} before each normal return and when the method throws. */
        Builder exitAlways(Call call) {
            this.exit = call;
            this.exitOnThrow = true;
            return this;
        }

        Builder redirect(String owner, String name, String target) {
            this.redirectOwner = owner;
            this.redirectName = name;
            this.redirectTarget = target;
            return this;
        }

        /**
         * After each call this method makes whose return type is {@code returnDescriptor}, calls
         * {@code call}, whose first value is {@link Arg#RESULT} and whose return value (of the same
         * type) replaces the call's result.
         */
        Builder filterResults(String returnDescriptor, Call call) {
            this.filteredReturn = returnDescriptor;
            this.filter = call;
            return this;
        }

        /** Constructors taking the thread's task as parameter {@code index} (0-based), and the descriptor if one is given. */
        Builder runnableAt(int index) {
            this.runnableParameter = index;
            return this;
        }

        Builder includingStatic() {
            this.includeStatic = true;
            return this;
        }

        MethodHook build() {
            if (filter != null && (filter.args.isEmpty() || filter.args.get(0).source != Source.RESULT
                    || !filter.descriptor.endsWith(")" + filteredReturn))) {
                throw new IllegalStateException("a result filter takes the result first and returns its type: "
                        + filter.name + filter.descriptor);
            }
            return new MethodHook(this);
        }
    }
}

package dev.taskctx.internal;

/**
 * Method handles into a library the core never links to, resolved once per runtime class through that
 * class's own loader. A class that lacks what is looked for fails its lookup with an
 * {@code IllegalStateException}, which the hook's entry in {@link AgentHooks} catches: that request goes
 * without baggage.
 */
final class LibraryHandles {

    /** Resolves the handles for one runtime class. */
    interface Resolver<T> {
        T resolve(Class<?> type) throws ReflectiveOperationException;
    }

    private LibraryHandles() {
    }

    /** {@code resolver}'s value, computed once per class it is asked for. */
    static <T> ClassValue<T> perClass(Resolver<T> resolver) {
        return new ClassValue<>() {
            @Override
            protected T computeValue(Class<?> type) {
                try {
                    return resolver.resolve(type);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }
}

package dev.taskctx.agent;

import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;

/**
 * Type descriptions of {@code java.*} classes, parsed once per JVM instead of once per class the agent
 * looks at: matching an application class walks its super types, which end in the same few JDK types.
 * Only {@code java.*} is shared: those packages can only come from the boot or platform loader, which
 * never go away, so the cache pins no application class loader. Everything else is described from a
 * fresh cache per class, as ByteBuddy's default does.
 */
final class JdkTypeCache implements TypePool.CacheProvider {

    private static final TypePool JDK_TYPES = new TypePool.Default.WithLazyResolution(
            new TypePool.CacheProvider.Simple(new ConcurrentHashMap<>()),
            ClassFileLocator.ForClassLoader.of(ClassLoader.getPlatformClassLoader()),
            TypePool.Default.ReaderMode.FAST);

    private final TypePool.CacheProvider own = TypePool.CacheProvider.Simple.withObjectType();
    /** The class being transformed: described from the bytes at hand, which another agent may have changed. */
    private final String transformed;

    private JdkTypeCache(String transformed) {
        this.transformed = transformed;
    }

    private boolean shared(String name) {
        return name.startsWith("java.") && !name.equals(transformed);
    }

    @Override
    public TypePool.Resolution find(String name) {
        return shared(name) ? JDK_TYPES.describe(name) : own.find(name);
    }

    @Override
    public TypePool.Resolution register(String name, TypePool.Resolution resolution) {
        return shared(name) ? resolution : own.register(name, resolution);
    }

    @Override
    public void clear() {
        own.clear();
    }

    /** The agent builder's pool strategy: ByteBuddy's fast lazy pool over this cache. */
    static final class Strategy implements AgentBuilder.PoolStrategy {

        @Override
        public TypePool typePool(ClassFileLocator locator, ClassLoader loader) {
            return typePool(locator, loader, "");
        }

        @Override
        public TypePool typePool(ClassFileLocator locator, ClassLoader loader, String name) {
            return new TypePool.LazyFacade(new TypePool.Default.WithLazyResolution(
                    new JdkTypeCache(name), locator, TypePool.Default.ReaderMode.FAST));
        }
    }
}

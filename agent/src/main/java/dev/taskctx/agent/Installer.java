package dev.taskctx.agent;

import static net.bytebuddy.matcher.ElementMatchers.nameMatches;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

import dev.taskctx.internal.Propagation;
import java.lang.instrument.Instrumentation;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

/**
 * Installs the enabled hand-off families with retransformation and without class-format changes, so
 * that JDK classes loaded before the agent are instrumented the same way as those loaded after.
 */
public final class Installer {

    private static final List<HandOffFamily> FAMILIES = List.of(
            new ThreadPoolExecutorInstrumentation(),
            new ExecutorInstrumentation(),
            new ForkJoinInstrumentation(),
            new CompletableFutureInstrumentation(),
            new ScheduledExecutorInstrumentation(),
            new TimerInstrumentation(),
            new ThreadInstrumentation(),
            new ThreadStartInstrumentation(),
            new MdcInstrumentation());

    private Installer() {
    }

    /** Called reflectively by {@code AgentLauncher} from the agent's own class loader. */
    public static void install(String arguments, Instrumentation instrumentation, boolean lateAttach) {
        // ByteBuddy (relocated by the shade plugin, which rewrites this name too) must not reach for sun.misc.Unsafe on JDK 25.
        if (System.getProperty("net.bytebuddy.safe") == null) {
            System.setProperty("net.bytebuddy.safe", "true");
        }
        long started = System.nanoTime();
        AgentOptions options = AgentOptions.parse(arguments);
        AgentBuilder builder = new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                // Loaded classes are described by reflection: describing each of the ~800 classes loaded at
                // premain from its class file made the retransformation pass most of the start-up time.
                .with(AgentBuilder.DescriptionStrategy.Default.HYBRID)
                .with(new JdkTypeCache.Strategy())
                // The default ignores bootstrap classes, which are most of what taskctx instruments. Names
                // only: at premain every loaded class passes here, and a modifier check would parse each one.
                .ignore(isTaskctxItself())
                .with(new Reporter(options.debug()));
        StringBuilder enabled = new StringBuilder();
        for (HandOffFamily family : FAMILIES) {
            if (options.on(family.name())) {
                builder = family.instrument(builder, options);
                if (enabled.indexOf(family.name()) < 0) {
                    enabled.append(enabled.length() == 0 ? "" : ", ").append(family.name());
                }
            }
        }
        builder.installOn(instrumentation);
        Propagation.agentStarted(options.on("threads"));
        if (options.debug()) {
            System.err.println("taskctx: agent active" + (lateAttach ? " (attached late)" : "")
                    + "; hand-off families: " + enabled
                    + "; installed in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
    }

    /** The api (package dev.taskctx), the propagation core and the agent; not the user's dev.taskctx.* code. */
    private static ElementMatcher.Junction<TypeDescription> isTaskctxItself() {
        return nameMatches("dev\\.taskctx\\.[^.]+")
                .or(nameStartsWith("dev.taskctx.internal."))
                .or(nameStartsWith("dev.taskctx.agent."))
                .or(nameStartsWith("dev.taskctx.bootstrap."));
    }

    /** One line per class that could not be instrumented; in debug mode, one per class instrumented. */
    private static final class Reporter extends AgentBuilder.Listener.Adapter {

        private final boolean debug;
        private final Set<String> reported = ConcurrentHashMap.newKeySet();

        Reporter(boolean debug) {
            this.debug = debug;
        }

        @Override
        public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
                                     DynamicType dynamicType) {
            if (debug) {
                System.err.println("taskctx: instrumented " + type.getName());
            }
        }

        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
            if (reported.add(typeName)) {
                // The simple name: the relocated ByteBuddy package of the exception says nothing to the user.
                String reason = error.getMessage() == null ? error.getClass().getSimpleName()
                        : error.getClass().getSimpleName() + ": " + error.getMessage();
                System.err.println("taskctx: could not instrument " + typeName + " (" + reason
                        + "); the application runs on without propagation through this class");
            }
        }
    }
}

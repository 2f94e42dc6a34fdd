package dev.taskctx.agent;

import dev.taskctx.bootstrap.AgentEntry;
import dev.taskctx.internal.NewThreads;
import dev.taskctx.internal.Propagation;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Installs the enabled hand-off families: one {@link Weaver}, registered as {@link TransformerOrder}
 * says, and the classes that were loaded before the agent and need weaving woven through
 * retransformation and baked in, so that JDK classes loaded early are instrumented the same way as
 * those loaded later. Nothing but the JDK and ASM's reader and writer is loaded to do it.
 */
public final class Installer extends AgentEntry {

    static {
        new Installer();
    }

    static final List<HandOffFamily> FAMILIES = List.of(
            new ThreadPoolExecutorInstrumentation(),
            new ExecutorInstrumentation(),
            new ForkJoinInstrumentation(),
            new CompletableFutureInstrumentation(),
            new ScheduledExecutorInstrumentation(),
            new TimerInstrumentation(),
            new GuavaInstrumentation(),
            new NettyInstrumentation(),
            new AsyncChannelInstrumentation(),
            new JettyInstrumentation(),
            new TomcatInstrumentation(),
            new JdkHttpServerInstrumentation(),
            new NettyInboundInstrumentation(),
            new UndertowInstrumentation(),
            new VertxInstrumentation(),
            new HelidonInstrumentation(),
            new BaggageInstrumentation(),
            new CoroutineInstrumentation(),
            new ThreadInstrumentation(),
            new ThreadStartInstrumentation(),
            new MdcInstrumentation(),
            new MicrometerInstrumentation(),
            new TaskFieldInstrumentation(),
            new LambdaFieldInstrumentation());

    private Installer() {
    }

    /** The classes loaded before the agent that it instruments. */
    private static List<Class<?>> loadedToWeave(Instrumentation instrumentation, Weaver weaver) {
        List<Class<?>> wanted = new ArrayList<>();
        for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
            if (instrumentation.isModifiableClass(loaded) && weaver.wants(loaded)) {
                wanted.add(loaded);
            }
        }
        return wanted;
    }

    /**
     * Lets {@code java.base} read the bootstrap class path's unnamed module, where the core is: woven JDK
     * classes call {@code AgentHooks} and implement the carrier interfaces, and without the edge a
     * {@code FutureTask} given a field fails to load (an {@code IllegalAccessError}, seen with every
     * family off but {@code fields}). So do the other named JDK modules with woven classes ({@code otherModules}).
     */
    private static void readCore(Instrumentation instrumentation, Set<String> otherModules) {
        Module core = Propagation.class.getModule();
        readCore(instrumentation, Object.class.getModule(), core);
        for (String name : otherModules) {
            java.util.Optional<Module> module = ModuleLayer.boot().findModule(name);
            if (module.isPresent()) {
                readCore(instrumentation, module.get(), core);
            }
        }
    }

    private static void readCore(Instrumentation instrumentation, Module module, Module core) {
        if (!module.canRead(core)) {
            instrumentation.redefineModule(module, Set.of(core), Map.of(), Map.of(), Set.of(), Map.of());
        }
    }

    /**
     * For the thread hooks (JDK 21+): a virtual thread's state lives in its continuation, which the core
     * finds through the private field {@code VirtualThread.cont} (api {@code VirtualThreadStates}). The
     * agent opens {@code java.lang} to its own class loader's module alone, makes the field's handle and
     * hands it to the core; no other code gains access. If that fails, virtual threads keep their state
     * in thread-locals, and the agent says so in one line.
     */
    private static void readContinuations(Instrumentation instrumentation) {
        if (Runtime.version().feature() < 21) {
            return;
        }
        try {
            Module agent = Installer.class.getModule();
            Module javaBase = Object.class.getModule();
            if (!javaBase.isOpen("java.lang", agent)) {
                instrumentation.redefineModule(javaBase, Set.of(), Map.of(), Map.of("java.lang", Set.of(agent)),
                        Set.of(), Map.of());
            }
            Class<?> virtualThread = Class.forName("java.lang.VirtualThread", false, null);
            VarHandle continuation = MethodHandles.privateLookupIn(virtualThread, MethodHandles.lookup())
                    .findVarHandle(virtualThread, "cont", Class.forName("jdk.internal.vm.Continuation", false, null));
            NewThreads.readContinuationsWith(continuation);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            System.err.println("taskctx: virtual threads keep their context in thread-locals (" + e
                    + "): each one that reads its context costs a thread-local map more");
        }
    }

    /** Called by {@code AgentLauncher}, once, after this class registered itself. */
    @Override
    public void install(String arguments, Instrumentation instrumentation, boolean lateAttach) {
        long started = System.nanoTime();
        AgentOptions options = AgentOptions.parse(arguments);
        WeavingPlan plan = new WeavingPlan();
        StringBuilder enabled = new StringBuilder();
        if (options.on("threads")) {
            readContinuations(instrumentation);
        }
        for (HandOffFamily family : FAMILIES) {
            if (options.on(family.name())) {
                family.register(plan, options);
                // Two classes of one family (executors, threads) name it once; "netty" is not "netty.inbound".
                if ((", " + enabled + ", ").indexOf(", " + family.name() + ", ") < 0) {
                    enabled.append(enabled.length() == 0 ? "" : ", ").append(family.name());
                }
            }
        }
        Weaver weaver = new Weaver(plan, options.debug());
        if (!plan.isEmpty()) {
            readCore(instrumentation, plan.coreReaders);
            TransformerOrder.addTransformer(instrumentation, weaver, "dev/taskctx/internal/AgentHooks")
                    .weaveLoaded(instrumentation, loadedToWeave(instrumentation, weaver), weaver, options.debug());
        }
        if (options.on("apicopies")) {
            ApiCopyInstrumentation.install(instrumentation, options.debug());
        }
        Propagation.agentStarted(options.on("threads"));
        if (options.debug()) {
            System.err.println("taskctx: agent active" + (lateAttach ? " (attached late)" : "")
                    + "; hand-off families: " + enabled
                    + "; installed in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
    }
}

package dev.taskctx.agent;

import dev.taskctx.bootstrap.AgentEntry;
import dev.taskctx.internal.JdkHttpClientBaggage;
import dev.taskctx.internal.NewThreads;
import dev.taskctx.internal.Propagation;
import dev.taskctx.internal.UrlConnectionBaggage;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
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
            new SpringKafkaInstrumentation(),
            new ReactorInstrumentation(),
            new GrpcInstrumentation(),
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

    /**
     * The classes loaded before the agent that it instruments; the names of those among them that were
     * to get a binding field as they loaded go to {@code fieldsLost}, unless it is null (a field cannot be
     * added to a loaded class).
     */
    private static List<Class<?>> loadedToWeave(Instrumentation instrumentation, Weaver weaver, WeavingPlan plan,
            List<String> fieldsLost) {
        Set<String> fieldClasses = new HashSet<>();
        if (fieldsLost != null) {
            for (String internalName : plan.fields.keySet()) {
                fieldClasses.add(internalName.replace('/', '.'));
            }
        }
        List<Class<?>> wanted = new ArrayList<>();
        for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
            if (instrumentation.isModifiableClass(loaded) && weaver.wants(loaded)) {
                wanted.add(loaded);
            }
            if (!fieldClasses.isEmpty() && loaded.getClassLoader() == null && fieldClasses.contains(loaded.getName())) {
                fieldsLost.add(loaded.getName());
            }
        }
        return wanted;
    }

    /**
     * One line where classes that were to get a binding field had loaded before the agent's premain,
     * which happens where another agent listed before taskctx loads them: their hand-offs still
     * propagate, through the side table, at several times the cost.
     */
    private static void reportFieldsLost(List<String> fieldsLost) {
        if (!fieldsLost.isEmpty()) {
            fieldsLost.sort(null);
            boolean one = fieldsLost.size() == 1;
            System.err.println("taskctx: " + String.join(", ", fieldsLost) + (one ? " was" : " were")
                    + " loaded before taskctx (by an agent listed before it, or the JVM), so taskctx could not give "
                    + (one ? "it its field: its" : "them their fields: their")
                    + " tasks still propagate, through a side table (a virtual thread's state: a thread-local),"
                    + " at a higher cost per hand-off; list -javaagent:taskctx.jar first to keep the fast path");
        }
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

    /**
     * For outgoing baggage on the JDK's {@code HttpURLConnection}: each hop's request lines are a
     * {@code sun.net.www.MessageHeader} (api {@code UrlConnectionBaggage}). The agent exports that
     * package to its own class loader's module alone, makes handles for three public methods and hands
     * them to the core; no other code gains access. On the JDK's {@code HttpClient}, a redirect to a host
     * not listed gets the application's own headers back through {@code HttpRequestImpl.userHeaders}'s
     * setter (api {@code JdkHttpClientBaggage}), made with that package opened to the agent's module
     * alone. Where either fails, that client sends no baggage (the second only where it follows
     * redirects), and the agent says so in one line.
     */
    private static void readRequestHeaders(Instrumentation instrumentation) {
        try {
            Module agent = Installer.class.getModule();
            Module javaBase = Object.class.getModule();
            if (!javaBase.isExported("sun.net.www", agent)) {
                instrumentation.redefineModule(javaBase, Set.of(), Map.of("sun.net.www", Set.of(agent)), Map.of(),
                        Set.of(), Map.of());
            }
            Class<?> headers = Class.forName("sun.net.www.MessageHeader", false, null);
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            UrlConnectionBaggage.readHeadersWith(
                    lookup.findVirtual(headers, "multiValueIterator", MethodType.methodType(Iterator.class, String.class))
                            .asType(MethodType.methodType(Iterator.class, Object.class, String.class)),
                    lookup.findVirtual(headers, "remove", MethodType.methodType(void.class, String.class))
                            .asType(MethodType.methodType(void.class, Object.class, String.class)),
                    lookup.findVirtual(headers, "add", MethodType.methodType(void.class, String.class, String.class))
                            .asType(MethodType.methodType(void.class, Object.class, String.class, String.class)));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            System.err.println("taskctx: HttpURLConnection requests carry no baggage (" + e
                    + "); the JDK's HttpClient and the other clients still do");
        }
        java.util.Optional<Module> httpClient = ModuleLayer.boot().findModule("java.net.http");
        if (httpClient.isEmpty()) {
            return;
        }
        try {
            Module agent = Installer.class.getModule();
            if (!httpClient.get().isOpen("jdk.internal.net.http", agent)) {
                instrumentation.redefineModule(httpClient.get(), Set.of(), Map.of(),
                        Map.of("jdk.internal.net.http", Set.of(agent)), Set.of(), Map.of());
            }
            java.lang.reflect.Field userHeaders = Class.forName("jdk.internal.net.http.HttpRequestImpl", false,
                    ClassLoader.getPlatformClassLoader()).getDeclaredField("userHeaders");
            userHeaders.setAccessible(true);
            JdkHttpClientBaggage.redirectsWith(MethodHandles.lookup().unreflectSetter(userHeaders)
                    .asType(MethodType.methodType(void.class, Object.class, Object.class)));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            System.err.println("taskctx: the JDK's HttpClient sends no baggage where it follows redirects (" + e
                    + "); clients with followRedirects(NEVER) still do");
        }
    }

    /**
     * Option {@code jfr}: JFR events for each thread's spans of context holding {@code keys}
     * ({@link JfrContextEvents}). A JVM without the {@code jdk.jfr} module, or one whose core ran before
     * the agent, gets one line saying so, and the agent runs on without the events. A late attach
     * records spans too: the core it appends to the bootstrap class path is fresh.
     */
    private static void recordJfrContext(List<String> keys, boolean lateAttach) {
        if (keys.isEmpty()) {
            return;
        }
        if (ModuleLayer.boot().findModule("jdk.jfr").isEmpty()) {
            System.err.println("taskctx: option jfr needs the module jdk.jfr, which this JVM has not loaded: run it with "
                    + "--add-modules jdk.jfr (a jlinked image: jlink --add-modules jdk.jfr); JFR events are off");
            return;
        }
        try {
            if (!Propagation.recordSpansWith(JfrContextEvents.create(keys), keys.toArray(new String[0]))) {
                // Only where the core on the bootstrap class path ran before the agent (put there by other means).
                System.err.println("taskctx: option jfr came too late: taskctx's core was in use before the agent "
                        + (lateAttach ? "was attached" : "started") + "; start the JVM with -javaagent:taskctx.jar=jfr=... "
                        + "and taskctx.jar nowhere else on the boot class path; JFR events are off");
            }
        } catch (RuntimeException | LinkageError e) {
            System.err.println("taskctx: option jfr failed to make its JFR event type (" + e + "); JFR events are off");
        }
    }

    /** Called by {@code AgentLauncher}, once, after this class registered itself. */
    @Override
    public void install(String arguments, Instrumentation instrumentation, boolean lateAttach) {
        long started = System.nanoTime();
        AgentOptions options = AgentOptions.parse(arguments);
        // Before any hook is installed: whether spans are recorded is fixed at the first change of a context.
        recordJfrContext(options.jfrKeys(), lateAttach);
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
            // A late attach finds every class loaded: that no field can be added is its known limit, not news.
            List<String> fieldsLost = lateAttach ? null : new ArrayList<>();
            TransformerOrder order = TransformerOrder.addTransformer(instrumentation, weaver, "dev/taskctx/internal/AgentHooks");
            order.weaveLoaded(instrumentation, loadedToWeave(instrumentation, weaver, plan, fieldsLost), weaver,
                    options.debug());
            if (fieldsLost != null) {
                reportFieldsLost(fieldsLost);
            }
        }
        if (options.sendsHttpBaggage()) {
            // After the transformer: the classes it loads are woven as they load.
            readRequestHeaders(instrumentation);
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

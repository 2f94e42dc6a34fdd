package dev.taskctx.bootstrap;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.net.URISyntaxException;
import java.security.CodeSource;
import java.util.jar.JarFile;

/**
 * The agent's entry point. It sits at the root of taskctx.jar next to the api classes and uses
 * nothing but the JDK: it makes sure the api is on the bootstrap class path, then starts the
 * installer from {@code inst/} in a loader of its own, so that the agent and its relocated ASM never
 * become visible to the application or to the JDK.
 */
public final class AgentLauncher {

    private static final String PROPAGATION = "dev.taskctx.internal.Propagation";
    private static final String API = "dev.taskctx.TaskContext";
    private static final String INSTALLER = "dev.taskctx.agent.Installer";
    private static boolean launched;

    private AgentLauncher() {
    }

    public static void premain(String options, Instrumentation instrumentation) {
        launch(options, instrumentation, false);
    }

    public static void agentmain(String options, Instrumentation instrumentation) {
        launch(options, instrumentation, true);
    }

    private static synchronized void launch(String options, Instrumentation instrumentation, boolean lateAttach) {
        if (launched) {
            System.err.println("taskctx: the agent is already active in this JVM; ignoring the second -javaagent:taskctx.jar");
            return;
        }
        launched = true;
        try {
            File jar = agentJar();
            if (!onBootClassPath()) {
                // Boot-Class-Path names taskctx.jar; a renamed jar is appended here instead (the JVM then prints a CDS note).
                instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(jar));
            }
            if (AgentLauncher.class.getClassLoader() != null) {
                // This copy came from the system class path (a renamed jar); AgentClassLoader now resolves to the
                // bootstrap copy, a different run-time package, so the bootstrap copy of the launcher carries on.
                Class.forName(AgentLauncher.class.getName(), true, null)
                        .getMethod(lateAttach ? "agentmain" : "premain", String.class, Instrumentation.class)
                        .invoke(null, options, instrumentation);
                return;
            }
            AgentClassLoader loader = new AgentClassLoader(new JarFile(jar), jar);
            // Initialising the installer registers it (AgentEntry): no reflective call.
            Class.forName(INSTALLER, true, loader);
            AgentEntry.registered().install(options, instrumentation, lateAttach);
            if (lateAttach) {
                warnIfApplicationLoadedTheApi(instrumentation);
            }
        } catch (Throwable t) {
            Throwable cause = t instanceof java.lang.reflect.InvocationTargetException ? t.getCause() : t;
            System.err.println("taskctx: the agent could not start and is inactive (" + cause
                    + "); the application runs without automatic context propagation");
        }
    }

    /**
     * Attached to a running JVM, the agent puts the api on the bootstrap class path too late for an
     * application that already loaded it from its own class path: that copy keeps its own state,
     * which the instrumented JDK code never reads.
     */
    private static void warnIfApplicationLoadedTheApi(Instrumentation instrumentation) {
        for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
            if (loaded.getClassLoader() != null && loaded.getName().equals(API) && !joined(loaded)) {
                System.err.println("taskctx: the agent was attached after the application had loaded the taskctx api"
                        + " itself (" + API + " loaded by " + loaded.getClassLoader() + "); values set through that copy"
                        + " stay thread-local and do not follow hand-offs: start the JVM with -javaagent:taskctx.jar"
                        + " instead of attaching the agent later");
                return;
            }
        }
    }

    /** Whether the agent joined that copy to its own (agent option apicopies): it then reports the agent active. */
    private static boolean joined(Class<?> api) {
        try {
            return Boolean.TRUE.equals(api.getMethod("agentActive").invoke(null));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static boolean onBootClassPath() {
        try {
            Class.forName(PROPAGATION, false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static File agentJar() throws URISyntaxException {
        CodeSource source = AgentLauncher.class.getProtectionDomain().getCodeSource();
        if (source != null && source.getLocation() != null) {
            return new File(source.getLocation().toURI());
        }
        // Loaded by the bootstrap loader (Boot-Class-Path), which reports no code source.
        String resource = AgentLauncher.class.getName().replace('.', '/') + ".class";
        java.net.URL url = ClassLoader.getSystemResource(resource);
        if (url == null) {
            throw new IllegalStateException("cannot locate taskctx.jar: " + resource + " not found on the class path");
        }
        String path = url.getPath(); // file:/.../taskctx.jar!/dev/...
        return new File(new java.net.URI(path.substring(0, path.indexOf("!/"))));
    }
}

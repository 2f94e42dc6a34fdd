package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * With the agent, the api lives on the bootstrap class path: parent-first loaders share that one
 * TaskContext, a child-first loader holding the api jar defines a second one with its own state,
 * which is reported in one line (README, Troubleshooting).
 */
class SecondApiCopyTest {

    /** Looks in its own jars first for dev.taskctx.*, as some plugin and application-server loaders do. */
    static final class ChildFirstLoader extends URLClassLoader {
        ChildFirstLoader(URL[] urls, ClassLoader parent) {
            super("child-first", urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("dev.taskctx.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null) {
                    try {
                        loaded = findClass(name);
                    } catch (ClassNotFoundException notHere) {
                        return super.loadClass(name, resolve);
                    }
                }
                return loaded;
            }
        }
    }

    /** The class path entry (jar or directory) holding the api classes. */
    static URL apiLocation() throws Exception {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File file = new File(entry);
            if (file.isDirectory() && new File(file, "dev/taskctx/TaskContext.class").isFile()) {
                return file.toURI().toURL();
            }
            if (file.isFile() && entry.endsWith(".jar")) {
                try (JarFile jar = new JarFile(file)) {
                    if (jar.getEntry("dev/taskctx/TaskContext.class") != null) {
                        return file.toURI().toURL();
                    }
                }
            }
        }
        throw new IllegalStateException("no api on the class path");
    }

    public static final class Main {
        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "app-value");
            URL api = apiLocation();

            try (URLClassLoader parentFirst = new URLClassLoader(new URL[] {api}, null)) {
                System.out.println("parent-first-null-parent-same-class="
                        + (parentFirst.loadClass("dev.taskctx.TaskContext") == TaskContext.class));
            }

            try (ChildFirstLoader childFirst = new ChildFirstLoader(new URL[] {api}, Main.class.getClassLoader())) {
                Class<?> copy = childFirst.loadClass("dev.taskctx.TaskContext");
                System.out.println("child-first-same-class=" + (copy == TaskContext.class));
                System.out.println("copy-sees-app-value=" + copy.getMethod("get", String.class).invoke(null, "request_id"));
                System.out.println("copy-agentActive=" + copy.getMethod("agentActive").invoke(null));
                copy.getMethod("set", String.class, Object.class).invoke(null, "plugin_value", "p");
                System.out.println("app-sees-copy-value=" + TaskContext.get("plugin_value"));
                ExecutorService pool = Executors.newSingleThreadExecutor();
                System.out.println("copy-value-in-task=" + pool.submit(
                        () -> copy.getMethod("get", String.class).invoke(null, "plugin_value")).get(10, TimeUnit.SECONDS));
                System.out.println("app-value-in-task=" + pool.submit(
                        () -> TaskContext.get("request_id")).get(10, TimeUnit.SECONDS));
                pool.shutdown();
            }
        }
    }

    @Test
    void childFirstCopyHasItsOwnStateAndIsReportedInOneLine() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar()), Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "parent-first-null-parent-same-class=true",
                "child-first-same-class=false",
                "copy-sees-app-value=null",
                "copy-agentActive=false",
                "app-sees-copy-value=null",
                "copy-value-in-task=null",
                "app-value-in-task=app-value");
        assertThat(result.stderrLines()).hasSize(1);
        assertThat(result.stderrLines().get(0)).matches(Pattern.quote(
                "taskctx: a second copy of the taskctx api is in use (dev.taskctx.TaskContext loaded by ")
                + "dev\\.taskctx\\.it\\.SecondApiCopyTest\\$ChildFirstLoader@\\p{XDigit}+ from " + Pattern.quote(apiLocation().toString())
                + Pattern.quote(") beside the agent's copy on the bootstrap class path; values set through it stay in"
                + " that copy and do not follow hand-offs: let that class loader delegate dev.taskctx.* to its parent,"
                + " or remove taskctx-api from its class path"));
    }

    @Test
    void childFirstCopyWithoutTheAgentIsNotReported() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-Dtaskctx.warnWithoutAgent=false"), Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).contains("child-first-same-class=false", "copy-agentActive=false");
        assertThat(result.stderrLines()).isEmpty();
    }
}

package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.Snapshot;
import dev.taskctx.TaskContext;
import dev.taskctx.CarriedThreadLocal;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A child-first class loader holding its own copy of the api, as a plugin system or an application
 * server's web-application loader does: with the agent, the agent joins that copy to its own, so the
 * plugin and the application share one context per thread and the plugin's values follow every
 * hand-off; without the agent each copy keeps its own thread-local context (README, Troubleshooting).
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

    /** The class path entry (jar or directory) holding {@code resource}. */
    static URL locationOf(String resource) throws Exception {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File file = new File(entry);
            if (file.isDirectory() && new File(file, resource).isFile()) {
                return file.toURI().toURL();
            }
            if (file.isFile() && entry.endsWith(".jar")) {
                try (JarFile jar = new JarFile(file)) {
                    if (jar.getEntry(resource) != null) {
                        return file.toURI().toURL();
                    }
                }
            }
        }
        throw new IllegalStateException("no " + resource + " on the class path");
    }

    /** The class path entry (jar or directory) holding the api classes. */
    static URL apiLocation() throws Exception {
        return locationOf("dev/taskctx/TaskContext.class");
    }

    /** Plugin code: loaded by the child-first loader, so it links to that loader's copy of the api. */
    public static final class Plugin implements Callable<List<String>> {
        @Override
        public List<String> call() throws Exception {
            List<String> lines = new ArrayList<>();
            lines.add("plugin-api-loader=" + TaskContext.class.getClassLoader().getName());
            lines.add("plugin-agentActive=" + TaskContext.agentActive());
            lines.add("plugin-sees-app-value=" + TaskContext.get("request_id"));
            TaskContext.set("plugin_value", "p");
            ExecutorService pool = Executors.newFixedThreadPool(2);
            lines.add("plugin-pool-task=" + pool.submit(
                    () -> TaskContext.get("request_id") + "/" + TaskContext.get("plugin_value")).get(10, TimeUnit.SECONDS));
            Snapshot snapshot = TaskContext.capture();
            TaskContext.set("plugin_value", "changed");
            lines.add("plugin-snapshot-get=" + snapshot.get("plugin_value") + " " + snapshot.asMap().size());
            snapshot.run(() -> lines.add("plugin-snapshot-run=" + TaskContext.get("plugin_value")));
            lines.add("plugin-after-snapshot-run=" + TaskContext.get("plugin_value"));
            Object[] seen = new Object[2];
            Thread wrapped = new Thread(snapshot.wrap((Runnable) () -> seen[0] = TaskContext.get("plugin_value")));
            Thread inheriting = new Thread(() -> seen[1] = TaskContext.get("plugin_value"));
            wrapped.start();
            inheriting.start();
            wrapped.join();
            inheriting.join();
            lines.add("plugin-snapshot-wrap=" + seen[0]);
            lines.add("plugin-new-thread=" + seen[1]);
            lines.add("plugin-completable-future=" + CompletableFuture.supplyAsync(
                    () -> TaskContext.get("plugin_value")).get(10, TimeUnit.SECONDS));
            lines.add("plugin-shared=" + TaskContext.callShared(() -> {
                pool.submit(() -> TaskContext.set("from_task", "t")).get(10, TimeUnit.SECONDS);
                return TaskContext.get("from_task");
            }) + " after=" + TaskContext.get("from_task"));
            ThreadLocal<String> tenant = new ThreadLocal<>();
            CarriedThreadLocal<String> accessor = new CarriedThreadLocal<>() {
                @Override
                public String read() {
                    return tenant.get();
                }

                @Override
                public void write(String value) {
                    tenant.set(value);
                }

                @Override
                public void clear() {
                    tenant.remove();
                }
            };
            TaskContext.register(accessor);
            tenant.set("acme");
            lines.add("plugin-registered-thread-local=" + pool.submit(tenant::get).get(10, TimeUnit.SECONDS));
            TaskContext.unregister(accessor);
            tenant.remove();
            lines.add("plugin-wrapped-executor=" + TaskContext.wrap((ExecutorService) pool).submit(
                    () -> TaskContext.get("plugin_value")).get(10, TimeUnit.SECONDS));
            pool.shutdown();
            return lines;
        }
    }

    public static final class Main {
        @SuppressWarnings("unchecked")
        public static void main(String[] args) throws Exception {
            TaskContext.set("request_id", "app-value");
            URL api = apiLocation();

            try (URLClassLoader parentFirst = new URLClassLoader(new URL[] {api}, null)) {
                System.out.println("parent-first-null-parent-same-class="
                        + (parentFirst.loadClass("dev.taskctx.TaskContext") == TaskContext.class));
            }

            URL tests = locationOf(Plugin.class.getName().replace('.', '/') + ".class");
            try (ChildFirstLoader childFirst = new ChildFirstLoader(new URL[] {api, tests}, Main.class.getClassLoader())) {
                System.out.println("child-first-same-class=" + (childFirst.loadClass("dev.taskctx.TaskContext") == TaskContext.class));
                Callable<List<String>> plugin = (Callable<List<String>>) childFirst.loadClass(Plugin.class.getName())
                        .getConstructor().newInstance();
                plugin.call().forEach(System.out::println);
                System.out.println("app-sees-plugin-value=" + TaskContext.get("plugin_value"));
                ExecutorService pool = Executors.newSingleThreadExecutor();
                System.out.println("app-task-sees-plugin-value=" + pool.submit(
                        () -> TaskContext.get("plugin_value")).get(10, TimeUnit.SECONDS));
                pool.shutdown();
            }
        }
    }

    @Test
    void childFirstCopySharesTheAgentsContextAndItsValuesFollowHandOffs() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar()), Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "parent-first-null-parent-same-class=true",
                "child-first-same-class=false",
                "plugin-api-loader=child-first",
                "plugin-agentActive=true",
                "plugin-sees-app-value=app-value",
                "plugin-pool-task=app-value/p",
                "plugin-snapshot-get=p 2",
                "plugin-snapshot-run=p",
                "plugin-after-snapshot-run=changed",
                "plugin-snapshot-wrap=p",
                "plugin-new-thread=changed",
                "plugin-completable-future=changed",
                "plugin-shared=t after=null",
                "plugin-registered-thread-local=acme",
                "plugin-wrapped-executor=changed",
                "app-sees-plugin-value=changed",
                "app-task-sees-plugin-value=changed");
        assertThat(result.stderrLines()).isEmpty();
    }

    @Test
    void childFirstCopyWithoutTheAgentKeepsItsOwnThreadLocalContextAndIsNotReported() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-Dtaskctx.warnWithoutAgent=false"), Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "parent-first-null-parent-same-class=false",
                "child-first-same-class=false",
                "plugin-api-loader=child-first",
                "plugin-agentActive=false",
                "plugin-sees-app-value=null",
                "plugin-pool-task=null/null",
                "plugin-snapshot-get=p 1",
                "plugin-snapshot-run=p",
                "plugin-after-snapshot-run=changed",
                "plugin-snapshot-wrap=p",
                "plugin-new-thread=null",
                "plugin-completable-future=null",
                "plugin-shared=null after=null",
                "plugin-registered-thread-local=null",
                "plugin-wrapped-executor=changed",
                "app-sees-plugin-value=null",
                "app-task-sees-plugin-value=null");
        assertThat(result.stderrLines()).isEmpty();
    }

    @Test
    void copyTheAgentDoesNotJoinKeepsItsOwnStateAndIsReportedInOneLine() throws Exception {
        JvmRunner.Result result = JvmRunner.run(List.of("-javaagent:" + JvmRunner.agentJar() + "=apicopies=off"), Main.class);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdoutLines()).contains(
                "plugin-agentActive=false",
                "plugin-sees-app-value=null",
                "plugin-pool-task=null/null",
                "app-sees-plugin-value=null");
        assertThat(result.stderrLines()).hasSize(1);
        assertThat(result.stderrLines().get(0)).matches(Pattern.quote(
                "taskctx: a second copy of the taskctx api is in use (dev.taskctx.TaskContext loaded by ")
                + "dev\\.taskctx\\.it\\.SecondApiCopyTest\\$ChildFirstLoader@\\p{XDigit}+ from " + Pattern.quote(apiLocation().toString())
                + Pattern.quote(") that the agent did not join to its copy on the bootstrap class path (agent option"
                + " apicopies=off, a taskctx-api version other than the agent's, or a class loader that does not reach"
                + " the bootstrap class path); values set through it stay in that copy and do not follow hand-offs:"
                + " use the taskctx-api version of the agent in a loader that delegates dev.taskctx.bootstrap.* to the"
                + " bootstrap class path, or let that class loader delegate dev.taskctx.* to its parent"));
    }
}

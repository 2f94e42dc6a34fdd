package dev.taskctx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which lambda hosts get their lambdas' class files rewritten: those whose lambdas will see the carrier
 * interface. (The module rule needs the agent's bootstrap copy of the api: {@code ModularApplicationTest}.)
 */
class LambdaClassesTest {

    /** Stands for the class file the JDK made; only its identity matters here. */
    private static final byte[] MADE = {1};
    private static final byte[] REWRITTEN = {2};

    @AfterEach
    void uninstall() {
        LambdaClasses.install(null);
    }

    @Test
    void aHostThatSeesTheCarrierGetsTheRewrittenClassFile() {
        LambdaClasses.install(classFile -> REWRITTEN);
        assertThat(LambdaClasses.classFile(MADE, LambdaClassesTest.class, Runnable.class)).isSameAs(REWRITTEN);
    }

    @Test
    void aHostWhoseLoaderDoesNotFindTheCarrierKeepsTheJdksClassFile() throws Exception {
        LambdaClasses.install(classFile -> REWRITTEN);
        ClassLoader hiding = new ClassLoader(getClass().getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(Host.class.getName())) {
                    try (java.io.InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        byte[] bytes = in.readAllBytes();
                        return defineClass(name, bytes, 0, bytes.length);
                    } catch (java.io.IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                if (name.startsWith("dev.taskctx.")) {
                    throw new ClassNotFoundException(name);
                }
                return super.loadClass(name, resolve);
            }
        };
        Class<?> host = hiding.loadClass(Host.class.getName());
        assertThat(host.getModule().isNamed()).isFalse();
        assertThat(host.getClassLoader()).isSameAs(hiding);
        assertThat(LambdaClasses.classFile(MADE, host, Runnable.class)).isSameAs(MADE);
    }

    @Test
    void withoutARewriterOrWhenItDeclinesTheClassFileIsTheJdks() {
        assertThat(LambdaClasses.classFile(MADE, LambdaClassesTest.class, Runnable.class)).isSameAs(MADE);
        LambdaClasses.install(classFile -> null);
        assertThat(LambdaClasses.classFile(MADE, LambdaClassesTest.class, Runnable.class)).isSameAs(MADE);
    }

    @Test
    void onlyTheClassFilesOfRunnablesAndTheirSubInterfacesAreRewritten() {
        LambdaClasses.install(classFile -> REWRITTEN);
        assertThat(LambdaClasses.classFile(MADE, LambdaClassesTest.class, java.util.function.Supplier.class)).isSameAs(MADE);
        assertThat(LambdaClasses.classFile(MADE, LambdaClassesTest.class, null)).isSameAs(MADE);
        assertThat(LambdaClasses.classFile(MADE, LambdaClassesTest.class, Job.class)).isSameAs(REWRITTEN);
    }

    /** An application's own kind of {@code Runnable}. */
    interface Job extends Runnable {
    }

    /** A host class defined again by a loader that hides taskctx. */
    static final class Host {
    }
}

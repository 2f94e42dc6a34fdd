package dev.taskctx.agent;

import java.io.IOException;
import java.io.InputStream;
import java.security.AccessController;
import java.security.PrivilegedAction;

/**
 * What the agent reads for itself (its options, class files of super types) under a security manager
 * (JDK 17 and earlier): in privileged blocks, with the permissions of the agent's own classes (all of
 * them, see {@code AgentClassLoader}), so that neither depends on what the policy grants the application
 * whose code happens to be on the stack. Without a security manager these are plain calls.
 */
@SuppressWarnings("removal")
final class Privileged {

    private Privileged() {
    }

    /** {@code System.getProperty(name)}. */
    static String systemProperty(String name) {
        if (System.getSecurityManager() == null) {
            return System.getProperty(name);
        }
        return AccessController.doPrivileged(new PrivilegedAction<String>() {
            @Override
            public String run() {
                return System.getProperty(name);
            }
        });
    }

    /**
     * The class file of {@code internalName} as {@code loader} serves it ({@code null}: the boot loader);
     * a {@code java.*} type ({@code jdk}) is read through the platform loader, which reaches the boot
     * loader's.
     *
     * @throws SuperTypes.UnreadableTypeException when the loader serves no such class file
     */
    static byte[] classFile(String internalName, ClassLoader loader, boolean jdk) {
        if (System.getSecurityManager() == null) {
            return read(internalName, loader, jdk);
        }
        return AccessController.doPrivileged(new PrivilegedAction<byte[]>() {
            @Override
            public byte[] run() {
                return read(internalName, loader, jdk);
            }
        });
    }

    /** Whether {@code loader} serves the class file of {@code internalName} as a resource. */
    static boolean servesClassFile(ClassLoader loader, String internalName) {
        if (System.getSecurityManager() == null) {
            return loader.getResource(internalName + ".class") != null;
        }
        return AccessController.doPrivileged(new PrivilegedAction<Boolean>() {
            @Override
            public Boolean run() {
                return loader.getResource(internalName + ".class") != null;
            }
        });
    }

    private static byte[] read(String internalName, ClassLoader loader, boolean jdk) {
        String resource = internalName + ".class";
        ClassLoader from = jdk ? ClassLoader.getPlatformClassLoader() : loader;
        try (InputStream in = from == null ? ClassLoader.getSystemResourceAsStream(resource)
                : from.getResourceAsStream(resource)) {
            if (in == null) {
                throw new SuperTypes.UnreadableTypeException(internalName);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new SuperTypes.UnreadableTypeException(internalName);
        }
    }
}

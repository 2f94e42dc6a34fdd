package dev.taskctx.servers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedded Tomcat 11 (NIO connector, 8 request threads): each connection's {@code SocketProcessor} is a
 * pool task, but one task serves every request Tomcat finds already waiting on a keep-alive connection.
 */
class TomcatServerTest extends ServerContract {

    /** Silences Tomcat's start-up and shut-down lines; a strong reference, as JUL keeps loggers weakly. */
    private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");

    @TempDir
    Path baseDir;

    private Tomcat tomcat;

    @Override
    protected int start() throws Exception {
        TOMCAT_LOG.setLevel(Level.WARNING);
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxThreads", "8");
        connector.setProperty("minSpareThreads", "2");
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", Files.createDirectories(baseDir.resolve("webapp")).toString());
        Tomcat.addServlet(context, "probe", new ProbeServlet(probe));
        context.addServletMappingDecoded("/*", "probe");
        tomcat.start();
        return connector.getLocalPort();
    }

    @Override
    protected void stop() throws Exception {
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
    }
}

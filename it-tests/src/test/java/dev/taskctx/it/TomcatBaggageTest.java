package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;

/**
 * W3C {@code baggage} into an embedded Tomcat 11 (NIO connector on 127.0.0.1): a servlet's context holds
 * the allowed entries of its request's header (one line or several), and nothing else, also with
 * hostile headers; without the option nothing is applied.
 */
class TomcatBaggageTest {

    /** Starts Tomcat, sends raw requests and prints, per request, what the servlet saw. */
    public static final class Main {
        private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");

        public static void main(String[] args) throws Exception {
            TOMCAT_LOG.setLevel(Level.WARNING);
            Path base = Files.createTempDirectory("taskctx-tomcat");
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(base.toString());
            Connector connector = new Connector();
            connector.setPort(0);
            connector.setProperty("address", "127.0.0.1");
            // Tomcat's own limit (8 KB) would refuse the 10 KB header before taskctx reads it.
            connector.setProperty("maxHttpHeaderSize", "65536");
            tomcat.setConnector(connector);
            Context context = tomcat.addContext("", Files.createDirectories(base.resolve("webapp")).toString());
            Tomcat.addServlet(context, "probe", new HttpServlet() {
                @Override
                protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                    String seen = new TreeMap<>(TaskContext.asMap()).toString();
                    String pooled = CompletableFuture.supplyAsync(() -> String.valueOf(TaskContext.get("rid"))).join();
                    List<String> header = Collections.list(request.getHeaders("baggage"));
                    TaskContext.set("leftover", "from an earlier request");
                    response.setContentType("text/plain;charset=UTF-8");
                    response.getWriter().print(("context=" + seen + " pooled=" + pooled + " header=" + header)
                            .replace("\r", "\\r").replace("\n", "\\n"));
                }
            });
            context.addServletMappingDecoded("/*", "probe");
            tomcat.start();
            int port = connector.getLocalPort();
            try {
                System.out.println("plain: " + BaggageRequests.raw(port, "rid=r%201%0D%0A%C3%A9,secret=s,user=u"));
                System.out.println("two-lines: " + BaggageRequests.raw(port, "secret=s", "user=u2"));
                System.out.println("none: " + BaggageRequests.raw(port));
                System.out.println("hostile-10k: " + BaggageRequests.raw(port, "user=u,rid=" + "a".repeat(10 * 1024) + ",late=1"));
                System.out.println("hostile-200: " + BaggageRequests.raw(port, BaggageRequests.twoHundredMembers()));
                System.out.println("hostile-malformed: " + BaggageRequests.raw(port, "rid=%zz, user=%C3%28 ,rid=ok;prop"));
            } finally {
                tomcat.stop();
                tomcat.destroy();
            }
        }
    }

    private static JvmRunner.Result run(String options) throws Exception {
        return BaggageRequests.run(Main.class, options);
    }

    @Test
    void allowedEntriesReachTheServletAndWhatItHandsOffOthersNever() throws Exception {
        List<String> lines = run("baggage.in=rid;user").stdoutLines();
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .startsWith("plain: context={rid=r 1\\r\\n\u00e9, user=u} pooled=r 1\\r\\n\u00e9 "));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("two-lines: context={user=u2} pooled=null "));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("none: context={} pooled=null "));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("hostile-10k: context={user=u} pooled=null "));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("hostile-200: context={rid=v10} pooled=v10 "));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("hostile-malformed: context={rid=ok} pooled=ok "));
    }

    @Test
    void withoutTheOptionNothingIsApplied() throws Exception {
        List<String> lines = run("").stdoutLines();
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("plain: context={} pooled=null "));
    }
}

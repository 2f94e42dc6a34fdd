package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.taskctx.TaskContext;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.http.HttpClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * Spring's {@code RestClient} and {@code RestTemplate} (spring-web 7) send baggage exactly when the
 * client their request factory drives does: the agent hooks the client below Spring, never Spring. Run
 * against the JDK's {@code HttpServer} on 127.0.0.1 in a JVM started with the options under test, with
 * Apache HttpClient 5 and OkHttp on the class path.
 */
class SpringRestClientBaggageTest {

    private static final String ALL_ON = "baggage.out=rid,baggage.hosts=127.0.0.1";
    private static final String SENT = "header=[rid=r1]";
    private static final String NOT_SENT = "header=null";

    /** Prints, per request, the raw {@code baggage} lines the server received, and the factories Spring picked. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            HttpServer server = BaggageRequests.echoServer();
            String local = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            HttpComponentsClientHttpRequestFactory apache = new HttpComponentsClientHttpRequestFactory();
            try {
                TaskContext.set("rid", "r1");
                TaskContext.set("secret", "s3cret");

                RestClient byDefault = RestClient.create();
                System.out.println("default-factory: " + factoryOf(byDefault).getClass().getName());
                System.out.println("default: " + get(byDefault, local));

                System.out.println("jdk: " + get(RestClient.builder().requestFactory(new JdkClientHttpRequestFactory()).build(), local));
                HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
                RestClient onFollowingJdk = RestClient.builder().requestFactory(new JdkClientHttpRequestFactory(following)).build();
                System.out.println("jdk-following-redirects: " + get(onFollowingJdk, local));
                System.out.println("jdk-following-redirected-to-same-host: " + get(onFollowingJdk, local + "to-same-host"));
                System.out.println("jdk-following-redirected-to-other-host: " + get(onFollowingJdk, local + "to-other-host"));

                RestClient simple = RestClient.builder().requestFactory(new SimpleClientHttpRequestFactory()).build();
                System.out.println("simple-get: " + get(simple, local));
                System.out.println("simple-post: " + post(simple, local));
                System.out.println("simple-redirected-to-same-host: " + get(simple, local + "to-same-host"));
                System.out.println("simple-redirected-to-other-host: " + get(simple, local + "to-other-host"));

                RestClient onApache = RestClient.builder().requestFactory(apache).build();
                System.out.println("apache: " + get(onApache, local));
                System.out.println("apache-post: " + post(onApache, local));
                System.out.println("apache-redirected-to-same-host: " + get(onApache, local + "to-same-host"));
                System.out.println("apache-redirected-to-other-host: " + get(onApache, local + "to-other-host"));

                System.out.println("okhttp-factory: " + present("org.springframework.http.client.OkHttp3ClientHttpRequestFactory"));

                RestTemplate template = new RestTemplate();
                System.out.println("resttemplate-factory: " + template.getRequestFactory().getClass().getName());
                System.out.println("resttemplate-get: " + template.getForObject(local, String.class));
                System.out.println("resttemplate-post: " + template.postForObject(local, "body", String.class));
                System.out.println("resttemplate-on-apache-get: " + new RestTemplate(apache).getForObject(local, String.class));

                TaskContext.clear();
                System.out.println("empty-context: " + get(onApache, local));
            } finally {
                apache.destroy();
                server.stop(0);
            }
        }

        private static String get(RestClient client, String uri) {
            return client.get().uri(uri).retrieve().body(String.class);
        }

        private static String post(RestClient client, String uri) {
            return client.post().uri(uri).body("body").retrieve().body(String.class);
        }

        /** RestClient has no getter for the factory it chose, so the field of DefaultRestClient is read. */
        private static Object factoryOf(RestClient client) throws ReflectiveOperationException {
            Field field = client.getClass().getDeclaredField("clientRequestFactory");
            field.setAccessible(true);
            return field.get(client);
        }

        private static String present(String className) {
            try {
                Class.forName(className);
                return "present";
            } catch (ClassNotFoundException e) {
                return "absent";
            }
        }
    }

    /** The run with every option on, shared by the tests that read it. */
    private static JvmRunner.Result runAllOn() throws Exception {
        return BaggageRequests.runOnce(Main.class, ALL_ON);
    }

    /** With httpclient5 on the class path, {@code RestClient.create()} drives Apache HttpClient 5, which is covered. */
    @Test
    void restClientByDefaultUsesApacheHttpClientAndSendsTheHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains(
                "default-factory: org.springframework.http.client.HttpComponentsClientHttpRequestFactory",
                "default: " + SENT);
    }

    @Test
    void jdkFactoryWithItsDefaultClientSendsTheHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("jdk: " + SENT);
    }

    /** The JDK client copies a request's headers to whatever host a redirect names: the agent checks each redirect. */
    @Test
    void jdkFactoryWithAClientThatFollowsRedirectsChecksEveryRedirect() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("jdk-following-redirects: " + SENT,
                "jdk-following-redirected-to-same-host: " + SENT, "jdk-following-redirected-to-other-host: " + NOT_SENT);
    }

    /** SimpleClientHttpRequestFactory.prepareConnection has a GET follow redirects: each hop the connection writes is checked. */
    @Test
    void simpleFactorySendsTheHeaderOnGetsThatFollowRedirectsAndOnPosts() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("simple-get: " + SENT, "simple-post: " + SENT,
                "simple-redirected-to-same-host: " + SENT, "simple-redirected-to-other-host: " + NOT_SENT);
    }

    @Test
    void apacheFactorySendsTheHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("apache: " + SENT, "apache-post: " + SENT);
    }

    @Test
    void apacheFactoryChecksEveryRedirectAgainstTheHostList() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("apache-redirected-to-same-host: " + SENT,
                "apache-redirected-to-other-host: " + NOT_SENT);
    }

    /** Spring 7 removed OkHttp3ClientHttpRequestFactory: OkHttp is reached from Spring only through an adapter of one's own. */
    @Test
    void springSevenHasNoOkHttpFactory() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("okhttp-factory: absent");
    }

    /** RestTemplate's default is SimpleClientHttpRequestFactory even with httpclient5 present. */
    @Test
    void restTemplateByDefaultSendsTheHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains(
                "resttemplate-factory: org.springframework.http.client.SimpleClientHttpRequestFactory",
                "resttemplate-get: " + SENT, "resttemplate-post: " + SENT);
    }

    @Test
    void restTemplateOnApacheHttpClientSendsTheHeaderOnAGet() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("resttemplate-on-apache-get: " + SENT);
    }

    @Test
    void anEmptyContextSendsNoHeader() throws Exception {
        assertThat(runAllOn().stdoutLines()).contains("empty-context: " + NOT_SENT);
    }

    @Test
    void withoutTheOptionsNothingIsSent() throws Exception {
        List<String> lines = BaggageRequests.run(Main.class, "").stdoutLines();
        assertThat(lines).contains("default: " + NOT_SENT, "jdk: " + NOT_SENT, "simple-post: " + NOT_SENT,
                "apache-redirected-to-same-host: " + NOT_SENT, "resttemplate-post: " + NOT_SENT);
    }
}

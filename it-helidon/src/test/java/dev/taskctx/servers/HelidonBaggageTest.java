package dev.taskctx.servers;

import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Inbound W3C baggage on Helidon SE 4, in the JVM started with {@code -javaagent:taskctx.jar=baggage.in=rid;user}. */
@Tag("baggage")
class HelidonBaggageTest {

    private final BaggageProbe probe = new BaggageProbe();
    private WebServer server;

    @AfterEach
    void stop() {
        probe.close();
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void helidonRequestStartsWithItsAllowedBaggage() throws Exception {
        server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.get("/request", (request, response) -> response.send(probe.seen())))
                .build()
                .start();
        BaggageProbe.assertBaggageArrives(server.port());
    }
}

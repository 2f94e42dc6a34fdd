package dev.taskctx.bench.springboot;

import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The start-up benchmark's many-class application: a Spring Boot web application (embedded Tomcat,
 * Spring MVC, Jackson, Logback) with one endpoint, run from {@code bench/target/classes} and
 * {@code bench/target/springboot-app/lib/*}. It prints {@code started port=N} when ready; the timer
 * then asks {@code GET /hello} once and stops it.
 */
@SpringBootApplication
@RestController
public class StartupApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(StartupApplication.class);
        application.setBannerMode(Banner.Mode.OFF);
        application.setDefaultProperties(Map.of("server.port", "0"));
        application.run(args);
    }

    @GetMapping("/hello")
    public String hello() {
        return "hello";
    }

    @EventListener
    public void ready(ApplicationReadyEvent event) {
        System.out.println("started port=" + event.getApplicationContext().getEnvironment().getProperty("local.server.port"));
        System.out.flush();
    }
}

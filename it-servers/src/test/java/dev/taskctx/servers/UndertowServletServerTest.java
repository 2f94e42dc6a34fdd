package dev.taskctx.servers;

import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.ServletException;

/**
 * Undertow's servlet container (undertow-servlet): its servlet handler dispatches each request from
 * the XNIO I/O thread to the worker pool, where the servlet runs; pipelined requests are parsed inline
 * on the worker that finished the previous one. No hook of its own: the I/O event is the request's task
 * ({@code undertow}), and the dispatch an executor task that keeps its context ({@code executors}).
 */
class UndertowServletServerTest extends UndertowServerTest {

    private DeploymentManager deployment;

    @Override
    protected HttpHandler handler() {
        DeploymentInfo info = Servlets.deployment()
                .setClassLoader(UndertowServletServerTest.class.getClassLoader())
                .setContextPath("/")
                .setDeploymentName("probe")
                .addServlet(Servlets.servlet("probe", ProbeServlet.class, new ImmediateInstanceFactory<>(new ProbeServlet(probe)))
                        .addMapping("/*"));
        deployment = Servlets.defaultContainer().addDeployment(info);
        deployment.deploy();
        try {
            return Handlers.path().addPrefixPath("/", deployment.start());
        } catch (ServletException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void stop() {
        super.stop();
        if (deployment != null) {
            try {
                deployment.stop();
            } catch (ServletException e) {
                throw new IllegalStateException(e);
            }
            deployment.undeploy();
        }
    }
}

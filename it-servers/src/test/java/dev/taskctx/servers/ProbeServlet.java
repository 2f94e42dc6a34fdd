package dev.taskctx.servers;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** A servlet that answers {@code probe.handle(the request's id)}, for the servlet containers' contract tests. */
final class ProbeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient RequestProbe probe;

    ProbeServlet(RequestProbe probe) {
        this.probe = probe;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String body = probe.handle(request.getHeader(RequestProbe.ID_HEADER));
        response.setContentType("text/plain");
        response.getWriter().print(body);
    }
}

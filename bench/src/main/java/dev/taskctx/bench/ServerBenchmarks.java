package dev.taskctx.bench;

import dev.taskctx.TaskContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * What a server pays per inbound request for starting it empty: one {@code channelRead} through a Netty
 * pipeline, run inline on the calling thread as an event loop runs it ({@link EmbeddedChannel}, whose
 * loop is the caller), into a handler that reads one key as a request handler would (ns/op). With
 * taskctx, {@code DefaultChannelPipeline.fireChannelRead} is a task boundary: the calling thread's
 * entries are set aside for the event and put back after it; without an agent, and with the other
 * agents, the handler runs in whatever the thread holds. {@link #nettyHttpRequest} puts that in scale:
 * one whole keep-alive HTTP/1.1 request and response on the loopback to a Netty server (µs/op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ServerBenchmarks {

    private static final Object MESSAGE = "request";

    /** The last handler of the pipeline: reads a key, as a request handler does, and lets nothing pass on. */
    static final class Handler extends ChannelInboundHandlerAdapter {

        Object read;
        Runnable probe;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            read = TaskContext.get("key0");
            Runnable run = probe;
            if (run != null) {
                run.run();
            }
        }
    }

    @State(Scope.Thread)
    public static class Pipeline {

        EmbeddedChannel channel;
        ChannelPipeline pipeline;
        Handler handler;

        /**
         * The check: the event sees none of the calling thread's taskctx entries with taskctx (its
         * contract), and the caller has them back afterwards; what the other set-ups' events see of
         * their own kind is printed.
         */
        @Setup(Level.Trial)
        public void start(BenchmarkParams params) {
            handler = new Handler();
            channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter(), handler);
            pipeline = channel.pipeline();
            Agents agent = Agents.current();
            String benchmark = params.getBenchmark().replace("dev.taskctx.bench.", "");
            Set<Agents>[] seen = new Set[1];
            handler.probe = () -> seen[0] = Entries.seen(3);
            Entries.fill(3);
            Set<Agents> after;
            try {
                pipeline.fireChannelRead(MESSAGE);
                after = Entries.seen(3);
            } finally {
                handler.probe = null;
                Entries.fill(0);
            }
            System.out.println("inbound check, " + agent.label + ", " + benchmark + ": the event saw the caller's "
                    + seen[0] + ", the caller afterwards " + after);
            if (seen[0] == null) {
                throw new IllegalStateException(benchmark + ": the handler did not run");
            }
            if (agent == Agents.TASKCTX && (seen[0].contains(Agents.TASKCTX) || !after.contains(Agents.TASKCTX))) {
                throw new IllegalStateException("INBOUND CHECK FAILED: " + benchmark + " with taskctx: the event saw "
                        + seen[0] + ", the caller afterwards " + after
                        + "; an inbound event must start empty and the caller's entries come back");
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            channel.finishAndReleaseAll();
        }
    }

    /** One {@code fireChannelRead} from the pipeline's head to the handler, on the calling thread. */
    @Benchmark
    public Object nettyChannelRead(Entries entries, Pipeline pipeline) {
        pipeline.pipeline.fireChannelRead(MESSAGE);
        return pipeline.handler.read;
    }

    /** A Netty HTTP/1.1 server on 127.0.0.1 (one event loop) whose handler sets and reads a key, and one keep-alive connection to it. */
    @State(Scope.Thread)
    public static class HttpServer {

        private static final byte[] REQUEST = ("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);

        EventLoopGroup group;
        Channel server;
        Socket client;
        OutputStream out;
        InputStream in;
        final byte[] buffer = new byte[4096];
        volatile Object seenAtStart = "unset";

        @Setup(Level.Trial)
        public void start(BenchmarkParams params) throws Exception {
            group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 16),
                                    new Hello());
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            client = new Socket("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort());
            client.setTcpNoDelay(true);
            out = client.getOutputStream();
            in = client.getInputStream();
            // The check: a request that finds a value left by the previous one on the loop is a leak.
            request();
            request();
            Agents agent = Agents.current();
            String benchmark = params.getBenchmark().replace("dev.taskctx.bench.", "");
            System.out.println("inbound check, " + agent.label + ", " + benchmark
                    + ": the second request started with rid=" + seenAtStart);
            if (agent == Agents.TASKCTX && seenAtStart != null) {
                throw new IllegalStateException("INBOUND CHECK FAILED: " + benchmark + " with taskctx: a request started with rid="
                        + seenAtStart + "; each request must start empty");
            }
        }

        /** Sends one request and reads its whole response (a fixed-size answer). */
        int request() throws IOException {
            out.write(REQUEST);
            out.flush();
            int read = 0;
            int end = -1;
            while (end < 0 || read < end) {
                int n = in.read(buffer, read, buffer.length - read);
                if (n < 0) {
                    throw new IOException("connection closed after " + read + " bytes");
                }
                read += n;
                if (end < 0) {
                    end = responseLength(buffer, read);
                }
            }
            return read;
        }

        /** The length of the response in {@code buffer}, once its head is complete; -1 before. */
        private static int responseLength(byte[] buffer, int read) {
            String head = new String(buffer, 0, read, StandardCharsets.US_ASCII);
            int headEnd = head.indexOf("\r\n\r\n");
            if (headEnd < 0) {
                return -1;
            }
            int at = head.toLowerCase().indexOf("content-length:");
            int lineEnd = head.indexOf("\r\n", at);
            return headEnd + 4 + Integer.parseInt(head.substring(at + "content-length:".length(), lineEnd).trim());
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            client.close();
            server.close().sync();
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }

        /** Reads {@code rid} first, as a request handler that must find it empty, sets it and never clears it. */
        private final class Hello extends SimpleChannelInboundHandler<FullHttpRequest> {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                seenAtStart = TaskContext.get("rid");
                TaskContext.set("rid", "request");
                FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(HELLO));
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, HELLO.length);
                ctx.writeAndFlush(response);
            }
        }
    }

    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    /** One keep-alive GET and its whole response, on the loopback, to the Netty server above. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int nettyHttpRequest(HttpServer server) throws IOException {
        return server.request();
    }
}

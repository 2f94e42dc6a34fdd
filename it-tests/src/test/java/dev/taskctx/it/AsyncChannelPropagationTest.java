package dev.taskctx.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskctx.TaskContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NIO.2 completion handlers: a handler runs with the context of the code that started the operation,
 * on the JVM's default thread pool or group and on one the application gives, and the threads that
 * run handlers keep nothing between operations.
 */
class AsyncChannelPropagationTest {

    @RegisterExtension
    final AgentPools pools = new AgentPools();

    @TempDir
    Path directory;

    private final List<AutoCloseable> channels = new ArrayList<>();
    private AsynchronousChannelGroup group;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable channel : channels) {
            channel.close();
        }
        if (group != null) {
            group.shutdownNow();
            assertThat(group.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private <C extends AutoCloseable> C open(C channel) {
        channels.add(channel);
        return channel;
    }

    /** A handler that records the {@code rid} it saw, then sets one of its own. */
    private static final class Recording<V> implements CompletionHandler<V, Void> {
        final CompletableFuture<Object> seen = new CompletableFuture<>();
        final CompletableFuture<V> result = new CompletableFuture<>();

        @Override
        public void completed(V value, Void attachment) {
            seen.complete(TaskContext.get("rid"));
            TaskContext.set("rid", "set-by-handler");
            result.complete(value);
        }

        @Override
        public void failed(Throwable failure, Void attachment) {
            seen.completeExceptionally(failure);
            result.completeExceptionally(failure);
        }

        Object seen() throws Exception {
            return seen.get(10, TimeUnit.SECONDS);
        }
    }

    private AsynchronousFileChannel fileChannel(String kind) throws IOException {
        Path file = Files.writeString(directory.resolve("data.txt"), "some bytes to read", StandardCharsets.UTF_8);
        if (kind.equals("default")) {
            return open(AsynchronousFileChannel.open(file, StandardOpenOption.READ));
        }
        ExecutorService executor = pools.add(Executors.newFixedThreadPool(1));
        return open(AsynchronousFileChannel.open(file, Set.of(StandardOpenOption.READ), executor));
    }

    @ParameterizedTest(name = "{0} executor")
    @ValueSource(strings = {"default", "application"})
    void fileReadHandlerSeesStarterValue(String kind) throws Exception {
        AsynchronousFileChannel channel = fileChannel(kind);
        Recording<Integer> handler = new Recording<>();
        TaskContext.set("rid", "file-read-1");
        channel.read(ByteBuffer.allocate(64), 0, null, handler);
        TaskContext.clear();
        assertThat(handler.seen()).isEqualTo("file-read-1");
    }

    @ParameterizedTest(name = "{0} executor")
    @ValueSource(strings = {"default", "application"})
    void fileReadStartedWithoutContextSeesNothing(String kind) throws Exception {
        AsynchronousFileChannel channel = fileChannel(kind);
        Recording<Integer> first = new Recording<>();
        TaskContext.set("rid", "file-read-1");
        channel.read(ByteBuffer.allocate(64), 0, null, first);
        TaskContext.clear();
        assertThat(first.seen()).isEqualTo("file-read-1");
        first.result.get(10, TimeUnit.SECONDS);
        Recording<Integer> later = new Recording<>();
        channel.read(ByteBuffer.allocate(64), 0, null, later);
        assertThat(later.seen()).isNull();
    }

    @ParameterizedTest(name = "{0} executor")
    @ValueSource(strings = {"default", "application"})
    void fileWriteHandlerSeesStarterValue(String kind) throws Exception {
        Path file = directory.resolve("written.txt");
        Set<StandardOpenOption> options = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE);
        AsynchronousFileChannel channel = kind.equals("default")
                ? open(AsynchronousFileChannel.open(file, options, null))
                : open(AsynchronousFileChannel.open(file, options, pools.add(Executors.newFixedThreadPool(1))));
        Recording<Integer> handler = new Recording<>();
        TaskContext.set("rid", "file-write-1");
        channel.write(ByteBuffer.wrap("written".getBytes(StandardCharsets.UTF_8)), 0, null, handler);
        TaskContext.clear();
        assertThat(handler.seen()).isEqualTo("file-write-1");
    }

    private AsynchronousServerSocketChannel server(String kind) throws IOException {
        if (kind.equals("application")) {
            group = AsynchronousChannelGroup.withThreadPool(Executors.newFixedThreadPool(2));
        }
        return open(AsynchronousServerSocketChannel.open(group).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    }

    private AsynchronousSocketChannel client() throws IOException {
        return open(AsynchronousSocketChannel.open(group));
    }

    @ParameterizedTest(name = "{0} group")
    @ValueSource(strings = {"default", "application"})
    void acceptHandlerSeesStarterValue(String kind) throws Exception {
        AsynchronousServerSocketChannel server = server(kind);
        Recording<AsynchronousSocketChannel> accepted = new Recording<>();
        TaskContext.set("rid", "accept-1");
        server.accept(null, accepted);
        TaskContext.clear();
        client().connect(server.getLocalAddress()).get(10, TimeUnit.SECONDS);
        assertThat(accepted.seen()).isEqualTo("accept-1");
        open(accepted.result.get(10, TimeUnit.SECONDS));
    }

    @ParameterizedTest(name = "{0} group")
    @ValueSource(strings = {"default", "application"})
    void connectHandlerSeesStarterValue(String kind) throws Exception {
        AsynchronousServerSocketChannel server = server(kind);
        Recording<Void> connected = new Recording<>();
        TaskContext.set("rid", "connect-1");
        client().connect(server.getLocalAddress(), null, connected);
        TaskContext.clear();
        open(server.accept().get(10, TimeUnit.SECONDS));
        assertThat(connected.seen()).isEqualTo("connect-1");
    }

    @ParameterizedTest(name = "{0} group")
    @ValueSource(strings = {"default", "application"})
    void socketReadHandlerSeesStarterValueAndALaterReadSeesNothing(String kind) throws Exception {
        AsynchronousServerSocketChannel server = server(kind);
        AsynchronousSocketChannel client = client();
        client.connect(server.getLocalAddress()).get(10, TimeUnit.SECONDS);
        AsynchronousSocketChannel serverSide = open(server.accept().get(10, TimeUnit.SECONDS));

        Recording<Integer> firstRead = new Recording<>();
        TaskContext.set("rid", "socket-read-1");
        serverSide.read(ByteBuffer.allocate(16), null, firstRead);
        TaskContext.clear();
        client.write(ByteBuffer.wrap(new byte[] {1})).get(10, TimeUnit.SECONDS);
        assertThat(firstRead.seen()).isEqualTo("socket-read-1");
        firstRead.result.get(10, TimeUnit.SECONDS);

        Recording<Integer> laterRead = new Recording<>();
        serverSide.read(ByteBuffer.allocate(16), null, laterRead);
        client.write(ByteBuffer.wrap(new byte[] {2})).get(10, TimeUnit.SECONDS);
        assertThat(laterRead.seen()).as("a read started without a context").isNull();
    }

    @ParameterizedTest(name = "{0} group")
    @ValueSource(strings = {"default", "application"})
    void socketWriteHandlerSeesStarterValue(String kind) throws Exception {
        AsynchronousServerSocketChannel server = server(kind);
        AsynchronousSocketChannel client = client();
        client.connect(server.getLocalAddress()).get(10, TimeUnit.SECONDS);
        open(server.accept().get(10, TimeUnit.SECONDS));
        Recording<Integer> written = new Recording<>();
        TaskContext.set("rid", "socket-write-1");
        client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), null, written);
        TaskContext.clear();
        assertThat(written.seen()).isEqualTo("socket-write-1");
    }
}

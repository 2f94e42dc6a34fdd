package dev.taskctx.agent;

import dev.taskctx.agent.MethodHook.Arg;
import dev.taskctx.agent.MethodHook.Result;

/**
 * NIO.2 asynchronous channels: a {@code CompletionHandler} runs with the context of the code that
 * started the operation, on whichever thread of the channel group (or of the executor given to
 * {@code AsynchronousFileChannel.open}) completes it. Every {@code read}, {@code write},
 * {@code lock}, {@code connect} and {@code accept} ends in the implementation's {@code impl*}
 * method, whose last parameter is the handler (null for the {@code Future} forms): it is bound to
 * the starting snapshot there. The group's own threads run JDK-internal tasks and stay empty.
 */
final class AsyncChannelInstrumentation implements HandOffFamily {

    private static final String PACKAGE = "sun/nio/ch/";

    @Override
    public String name() {
        return "channels";
    }

    @Override
    public void register(WeavingPlan plan, AgentOptions options) {
        plan.add(PACKAGE + "SimpleAsynchronousFileChannelImpl",
                operation("implRead"), operation("implWrite"), operation("implLock"));
        plan.add(PACKAGE + "UnixAsynchronousSocketChannelImpl",
                operation("implConnect"), operation("implRead"), operation("implWrite"));
        plan.add(PACKAGE + "UnixAsynchronousServerSocketChannelImpl", operation("implAccept"));
    }

    private static MethodHook operation(String method) {
        return MethodHook.on(method, null)
                .enter(Hooks.channelOperation(Arg.lastParameter()), Result.REPLACE_PARAMETER)
                .build();
    }
}

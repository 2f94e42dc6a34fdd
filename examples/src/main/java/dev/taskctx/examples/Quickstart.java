package dev.taskctx.examples;

import dev.taskctx.TaskContext;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * aiotask-context's quickstart in Java: the main task sets {@code request_id}; two child tasks read
 * it and each sets its own {@code task_data}; the main task's context is unchanged afterwards. Run it
 * with {@code -javaagent:agent/target/taskctx.jar}; nothing in this file mentions the agent.
 */
public final class Quickstart {

    private Quickstart() {
    }

    public static void main(String[] args) throws Exception {
        if (!TaskContext.agentActive()) {
            System.out.println("taskctx agent not active: run with -javaagent:agent/target/taskctx.jar");
            System.exit(2);
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            String requestId = UUID.randomUUID().toString();
            TaskContext.set("request_id", requestId);
            System.out.println("main:    request_id=" + TaskContext.get("request_id"));

            List<Future<String>> children = pool.invokeAll(List.of(child("child-1"), child("child-2")));
            for (Future<String> child : children) {
                System.out.println(child.get());
            }

            boolean unchanged = requestId.equals(TaskContext.get("request_id"));
            Object taskData = TaskContext.get("task_data");
            System.out.println("main:    request_id=" + TaskContext.get("request_id")
                    + (unchanged ? " (unchanged)" : " (CHANGED)")
                    + ", task_data=" + taskData + (taskData == null ? " (absent, as it should be)" : ""));
            if (!unchanged || taskData != null) {
                System.exit(1);
            }
        } finally {
            pool.shutdown();
        }
    }

    private static Callable<String> child(String name) {
        return () -> {
            Object seen = TaskContext.get("request_id");
            TaskContext.set("task_data", name + "-data");
            return name + ": request_id=" + seen + ", set task_data=" + TaskContext.get("task_data");
        };
    }
}

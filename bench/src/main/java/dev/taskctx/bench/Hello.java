package dev.taskctx.bench;

/** The start-up benchmark's program. */
public final class Hello {

    private Hello() {
    }

    public static void main(String[] args) {
        System.out.println("hello");
    }
}

/**
 * The taskctx api: {@code TaskContext} and its small public types. The propagation core in
 * {@code dev.taskctx.internal} is not exported: the agent reaches it on the bootstrap class path.
 */
module dev.taskctx.api {
    exports dev.taskctx;
}

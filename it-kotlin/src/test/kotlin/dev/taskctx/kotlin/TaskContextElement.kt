package dev.taskctx.kotlin

import dev.taskctx.Snapshot
import dev.taskctx.TaskContext
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.ThreadContextElement

/**
 * The explicit recipe of the README, for coroutines without the agent: the context captured when the
 * element is created is current on whatever thread the coroutine runs, and the thread's own context
 * is back whenever the coroutine suspends. Values set inside the coroutine last until it suspends;
 * to carry them on, set them and continue in `withContext(TaskContextElement()) { ... }`.
 */
class TaskContextElement(private val snapshot: Snapshot = TaskContext.capture()) :
    ThreadContextElement<Map<String, Any>>, AbstractCoroutineContextElement(Key) {
    companion object Key : CoroutineContext.Key<TaskContextElement>

    override fun updateThreadContext(context: CoroutineContext): Map<String, Any> =
        TaskContext.asMap().also { replaceContext(snapshot.asMap()) }

    override fun restoreThreadContext(context: CoroutineContext, oldState: Map<String, Any>) =
        replaceContext(oldState)
}

/** The public API has no install-and-return-previous; clear and set key by key instead. */
private fun replaceContext(values: Map<String, Any>) {
    TaskContext.clear()
    values.forEach(TaskContext::set)
}

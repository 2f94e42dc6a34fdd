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
    ThreadContextElement<Snapshot>, AbstractCoroutineContextElement(Key) {
    companion object Key : CoroutineContext.Key<TaskContextElement>

    override fun updateThreadContext(context: CoroutineContext): Snapshot = snapshot.install()

    override fun restoreThreadContext(context: CoroutineContext, oldState: Snapshot) {
        oldState.install()
    }
}

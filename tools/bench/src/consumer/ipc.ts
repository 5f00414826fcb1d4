import type { ChildProcess } from 'node:child_process'

/**
 * The next IPC message of `type` from a child process of the harness; rejects when none comes
 * within `timeoutMs` (naming the step and the child) or when the child exits first.
 */
export function nextMessage<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no '${type}' within ${timeoutMs} ms from ${child.spawnargs.at(-1)}`)),
      timeoutMs,
    )
    const onMessage = (message: { type?: string }) => {
      if (message.type !== type) return
      clearTimeout(timer)
      child.off('message', onMessage)
      resolve(message as T)
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before '${type}'`)))
  })
}

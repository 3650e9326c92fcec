/**
 * `promise`, or a rejection with `timeoutError()` after `ms`. The timer is cleared when either
 * settles and never keeps the process alive. A late settlement of `promise` is still handled
 * (Promise.race subscribes to it), so it can never become an unhandled rejection.
 */
export async function withTimeout<T> (promise: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(timeoutError()) }, ms)
    timer.unref()
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

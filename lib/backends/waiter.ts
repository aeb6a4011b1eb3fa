/** A promise with its settle functions: what `ready()` and the backend's idle wait hand out. */
export interface Waiter {
  readonly promise: Promise<void>
  readonly resolve: () => void
  readonly reject: (err: Error) => void
}

/** A new {@link Waiter}. Rejected only by `destroy()`; callers that await it still see the error. */
export function waiter (): Waiter {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  promise.catch(() => {})
  return { promise, resolve, reject }
}

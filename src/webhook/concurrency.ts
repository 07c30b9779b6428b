/**
 * Runs `worker` over items with at most `limit` in flight, keeping the order of items that share a
 * key (events of one thread must apply in order: assign before close). Rejects with the first
 * error once every started item has settled.
 */
export const runKeyedInOrder = async <T>(
  items: T[],
  keyOf: (item: T) => string,
  worker: (item: T) => Promise<void>,
  limit: number
): Promise<void> => {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = keyOf(item)
    const group = groups.get(key)
    if (group) group.push(item)
    else groups.set(key, [item])
  }
  const queue = [...groups.values()]
  const errors: unknown[] = []
  const lane = async (): Promise<void> => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const item of group) {
        try {
          await worker(item)
        } catch (err) {
          errors.push(err)
          break // later events of this thread must not overtake the failed one
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, lane))
  if (errors.length > 0) throw errors[0]
}

const tails = new Map<string, Promise<unknown>>()

/**
 * Runs `fn` after every earlier call with the same key has settled (within this process). HubSpot
 * may deliver the same event twice at once; serialising per conversation makes the second see
 * the state the first wrote, so it emits nothing. (Deliveries to two runtime instances at the
 * same instant can still race; those are rare and at worst repeat an announcement.)
 */
export const withKeyLock = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
  const previous = tails.get(key) ?? Promise.resolve()
  const run = previous.then(fn, fn)
  const tail = run.catch(() => undefined)
  tails.set(key, tail)
  try {
    return await run
  } finally {
    if (tails.get(key) === tail) tails.delete(key)
  }
}

import { FakeBotpress } from '../../tests/helpers/fake-botpress'
import type * as bp from '.botpress'

/** Who made a Botpress call: the operation under test, or a webhook HubSpot sent as a consequence. */
export type Origin = 'operation' | 'webhook'
export type BotpressCall = { method: string; origin: Origin }

/**
 * Counts Botpress requests with the in-memory FakeBotpress (its `calls` list is the source of
 * truth) and remembers, for each call, which side made it. Every client handed out shares one
 * fake, so a webhook sees what an action stored.
 */
export class BotpressMeter {
  public readonly fake = new FakeBotpress()
  private readonly _origins: Origin[] = []

  /** A typed client whose calls are attributed to `origin`. */
  public client(origin: Origin): bp.Client {
    const { fake, _origins: origins } = this
    const api = new Proxy(fake.api, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          // FakeBotpress records the call synchronously on entry, at this very index.
          origins[fake.calls.length] = origin
          return (value as (...a: unknown[]) => unknown)(...args)
        }
      },
    })
    return api as unknown as bp.Client
  }

  /** A call the SDK makes outside the client we pass (the channel `ack` is an updateMessage). */
  public record(origin: Origin, method: string): void {
    this._origins[this.fake.calls.length] = origin
    this.fake.calls.push(method)
  }

  public mark(): number {
    return this.fake.calls.length
  }

  public since(mark: number): BotpressCall[] {
    return this.fake.calls.slice(mark).map((method, i) => ({ method, origin: this._origins[mark + i] ?? 'operation' }))
  }
}

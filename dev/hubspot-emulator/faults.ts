import type { FailSpec, Matcher } from './api'

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset'; afterProcessing: boolean }
  | { kind: 'delay'; ms: number }

type Entry = { fault: Fault; remaining: number; match?: Matcher }

/** Injected failures, consumed in the order they were queued by the first request each one matches. */
export class FaultQueue {
  private _entries: Entry[] = []

  public failNext(n: number, spec: FailSpec): void {
    const { match, ...rest } = spec
    this._push(n, { kind: 'status', ...rest }, match)
  }

  public resetNext(n: number, match: Matcher | undefined, afterProcessing: boolean): void {
    this._push(n, { kind: 'reset', afterProcessing }, match)
  }

  public delayNext(n: number, ms: number, match: Matcher | undefined): void {
    this._push(n, { kind: 'delay', ms }, match)
  }

  public clear(): void {
    this._entries = []
  }

  public take(method: string, path: string): Fault | undefined {
    const entry = this._entries.find((e) => !e.match || e.match(method, path))
    if (!entry) return undefined
    entry.remaining--
    if (entry.remaining <= 0) this._entries = this._entries.filter((e) => e !== entry)
    return entry.fault
  }

  private _push(n: number, fault: Fault, match: Matcher | undefined): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`faults: n must be a positive integer, got ${n}`)
    this._entries.push({ fault, remaining: n, ...(match ? { match } : {}) })
  }
}

/**
 * The `default` of a switch that must cover every case: the compiler rejects the call while a case
 * is missing (`value` is not `never` then). Reaching it at run time means a type lied.
 */
export const unreachable = (value: never, what: string): never => {
  throw new Error(`Unhandled ${what}: ${String((value as { kind?: unknown; type?: unknown })?.kind ?? (value as { type?: unknown })?.type ?? value)}`)
}

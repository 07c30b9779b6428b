/** Small numeric helpers; all inputs are sample arrays, never empty. */

export const sortedCopy = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b)

/** Nearest-rank percentile (p in 0..100). */
export const percentile = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) throw new Error('percentile of an empty sample')
  const s = sortedCopy(xs)
  const rank = Math.max(1, Math.ceil((p / 100) * s.length))
  return s[Math.min(rank, s.length) - 1] as number
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) throw new Error('median of an empty sample')
  const s = sortedCopy(xs)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

export const round = (x: number, digits = 1): number => {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** Milliseconds since `start` (a process.hrtime.bigint() value). */
export const msSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6

/** A sample's centre and spread: the median with min–max and the interquartile range (nearest-rank p25–p75). */
export type Spread = { n: number; median: number; min: number; max: number; p25: number; p75: number }

export const spread = (xs: readonly number[], digits = 2): Spread => {
  if (xs.length === 0) throw new Error('spread of an empty sample')
  const s = sortedCopy(xs)
  return {
    n: s.length,
    median: round(median(s), digits),
    min: round(s[0] as number, digits),
    max: round(s[s.length - 1] as number, digits),
    p25: round(percentile(s, 25), digits),
    p75: round(percentile(s, 75), digits),
  }
}

/** "11.2× (IQR 10.5–12.1, min–max 9.8–14.0, 7 trials)" */
export const describeSpread = (x: Spread, unit = ''): string =>
  `${x.median}${unit} (IQR ${x.p25}–${x.p75}, min–max ${x.min}–${x.max}, ${x.n} trial${x.n === 1 ? '' : 's'})`

import { describe, expect, it } from 'vitest'
import { describeSpread, median, percentile, spread } from './stats'

describe('bench stats', () => {
  it('median of odd and even samples, unsorted input left as it was', () => {
    const xs = [5, 1, 3]
    expect(median(xs)).toBe(3)
    expect(xs).toEqual([5, 1, 3])
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it('nearest-rank percentiles', () => {
    const xs = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    expect(percentile(xs, 25)).toBe(30)
    expect(percentile(xs, 75)).toBe(80)
    expect(percentile(xs, 100)).toBe(100)
    expect(percentile([7], 25)).toBe(7)
  })

  it('spread: one outlier moves min–max but neither the median nor the IQR much', () => {
    const calm = spread([9.8, 10.1, 10.4, 10.6, 11.0, 11.3, 11.9])
    const noisy = spread([9.8, 10.1, 10.4, 10.6, 11.0, 11.3, 24.4])
    expect(calm).toEqual({ n: 7, median: 10.6, min: 9.8, max: 11.9, p25: 10.1, p75: 11.3 })
    expect(noisy.median).toBe(calm.median)
    expect(noisy.p75).toBe(calm.p75)
    expect(noisy.max).toBe(24.4)
    expect(describeSpread(noisy, '×')).toBe('10.6× (IQR 10.1–11.3, min–max 9.8–24.4, 7 trials)')
  })

  it('refuses an empty sample', () => {
    expect(() => spread([])).toThrow('spread of an empty sample')
  })
})

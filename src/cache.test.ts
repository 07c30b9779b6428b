import { describe, expect, it } from 'vitest'
import { BoundedMap, cacheOf, resetCaches } from './cache'

describe('in-process caches', () => {
  it('a bounded map empties itself instead of growing past its bound; updating a key does not', () => {
    const m = new BoundedMap<number>('threads', 3)
    m.set('a', 1)
    m.set('b', 2)
    m.set('c', 3)
    m.set('c', 4)
    expect(m.size).toBe(3)
    m.set('d', 5)
    expect(m.size).toBe(1)
    expect(m.get('a')).toBeUndefined()
    expect(m.get('d')).toBe(5)
  })

  it('one instance per name; resetCaches empties the named ones, or all of them', () => {
    expect(cacheOf('agentUsers')).toBe(cacheOf('agentUsers'))
    cacheOf<string>('agentUsers').set('k', 'v')
    cacheOf<string>('installations').set('k', 'v')
    resetCaches('agentUsers')
    expect(cacheOf('agentUsers').size).toBe(0)
    expect(cacheOf('installations').size).toBe(1)
    resetCaches()
    expect(cacheOf('installations').size).toBe(0)
  })
})

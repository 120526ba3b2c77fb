import { describe, expect, it } from 'vitest'
import { dropOldCaches } from './old-caches.ts'

/** Cache Storage as far as dropOldCaches uses it: names, and deleting one */
function fakeStorage (names: string[]): CacheStorage & { names: string[] } {
  const storage = {
    names: [...names],
    async keys () { return [...storage.names] },
    async delete (name: string) {
      const had = storage.names.includes(name)
      storage.names = storage.names.filter(other => other !== name)
      return had
    }
  }
  return storage as unknown as CacheStorage & { names: string[] }
}

describe('the caches a new version drops on activate', () => {
  it('drops earlier versions\' Edgeway caches, keeps what this version uses and what is not Edgeway\'s', async () => {
    const storage = fakeStorage(['edgeway-page-old', 'edgeway-page-new', 'edgeway-config-v1', 'edgeway-config-v0', 'edgeway-verified-files', 'someone-elses'])
    await dropOldCaches(storage, new Set(['edgeway-page-new', 'edgeway-config-v1', 'edgeway-verified-files']))
    expect(storage.names.sort()).toEqual(['edgeway-config-v1', 'edgeway-page-new', 'edgeway-verified-files', 'someone-elses'])
  })

  it('never throws: a storage that fails is left for the next activation', async () => {
    const broken = { keys: async () => { throw new Error('gone') } } as unknown as CacheStorage
    await expect(dropOldCaches(broken, new Set())).resolves.toBeUndefined()
  })
})

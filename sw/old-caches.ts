/** Every Cache Storage name Edgeway has used starts with this; other names on the origin are not ours */
const OURS = 'edgeway-'

/**
 * Delete the caches earlier versions of Edgeway made that this version does
 * not use (on activate): `edgeway-…` names not in `keep`. The user's kept
 * files are in `keep` as long as their format holds; a version that changes
 * it names a new cache, and the old one goes here. Never throws: a cache
 * left behind is retried on the next activation.
 */
export async function dropOldCaches (storage: CacheStorage, keep: ReadonlySet<string>): Promise<void> {
  const names = await storage.keys().catch(() => [])
  await Promise.all(names.filter(name => name.startsWith(OURS) && !keep.has(name)).map(async name => storage.delete(name).catch(() => false)))
}

/**
 * The gateway page's built files (`/index.html` and its hashed `/assets/…`),
 * as the page build named them. vite.sw.config.ts reads them from the page
 * build's manifest, so a changed page makes a changed SW script, and the
 * browser installs it (and this cache) anew.
 */
export interface PageFiles {
  /** Absolute paths on the gateway's origin, `/index.html` first */
  files: string[]
  /** Changes whenever the page does: names the cache of this version */
  version: string
}

const PAGE_CACHE_PREFIX = 'edgeway-page-'

export interface PageCache {
  readonly files: ReadonlySet<string>
  /** The Cache Storage name of this version's files */
  readonly name: string
  /** The cache holding this version's files */
  open(): Promise<Cache>
  /**
   * Fetch and keep every file not kept yet (on activate). Never throws: the
   * gateway answers content without its page, and a file missing here is
   * kept the next time the page loads it.
   */
  fill(): Promise<void>
}

export function createPageCache (page: PageFiles, storage: CacheStorage, fetchFn: typeof fetch): PageCache {
  const name = `${PAGE_CACHE_PREFIX}${page.version}`
  const open = async (): Promise<Cache> => storage.open(name)
  return {
    files: new Set(page.files),
    name,
    open,
    async fill () {
      const cache = await open().catch(() => undefined)
      await Promise.all(page.files.map(async path => {
        try {
          if (cache == null || await cache.match(path) != null) return
          // past the HTTP cache: the page is served `no-cache`, and this copy is what offline users get
          const response = await fetchFn(path, { cache: 'no-cache' })
          if (response.ok) await cache.put(path, response)
        } catch {}
      }))
    }
  }
}

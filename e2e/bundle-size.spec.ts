import { readFile, readdir } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { staticClosure } from '../build/static-imports.ts'

/**
 * The SW script is evaluated on every SW start, including the first visit to
 * a gateway link: its size is first-hit latency. Raise a budget only with a
 * reason in the commit that does it.
 *
 * The SW runs no libp2p (a tab's peer dials for it): what it parses is
 * verified-fetch and what verified-fetch imports (IPNS record checks with
 * every key type and protobuf, CBOR codecs, content type sniffing, Helia
 * itself), and ~30 KiB of Edgeway (with the source policy that splits a
 * read between edges and browsers, and the shared-link loader's decision).
 * The goal was 120 KiB, but
 * vanilla verified-fetch built as a SW the same way (bench/pages/vanilla-sw.ts,
 * vite.bench-sw.config.ts) is ~155 KiB by itself; see docs/performance.md.
 */
const BUDGETS = {
  'dist/sw.js': 190 * 1024,
  // the gateway's SW handler for a dApp's own SW: the same engine as dist/sw.js as one ES module, without the
  // gateway page's cache; what it adds is the ES module format's longer names
  'dist/sdk/sw.js': 215 * 1024
}

/**
 * What a dApp downloads and parses to fetch and verify a file in the page:
 * the SDK's core entry (createEdgeClient, the store, edges, errors,
 * startEdgeway) and every chunk it imports statically, plus the lean path's
 * chunk (files and index pages from HTTP edges as checked CARs, loaded on the
 * first fetch) and what that imports. The full content engine (Helia,
 * verified-fetch, every source; ~330 KiB) is loaded only by requests the
 * lean path hands over (names, formats, ranges, listings, peers), and the
 * in-tab peer only with `peer`.
 */
const ENTRY_BUDGETS = {
  'dist/sdk/edgeway.js': { lazy: 'lean-fetch', budget: 60 * 1024 }
}

describe('bundle size budgets (gzip)', () => {
  for (const [file, budget] of Object.entries(BUDGETS)) {
    it(`${file} stays within ${budget / 1024} KiB`, async () => {
      const bytes = await readFile(resolve(import.meta.dirname, '..', file))
      expect(gzipSync(bytes).byteLength).toBeLessThanOrEqual(budget)
    })
  }
  for (const [entry, { lazy, budget }] of Object.entries(ENTRY_BUDGETS)) {
    it(`${entry} with what it imports statically and its ${lazy} chunk stays within ${budget / 1024} KiB`, async () => {
      const path = resolve(import.meta.dirname, '..', entry)
      const chunks = resolve(path, '..', 'chunks')
      const lazyChunk = (await readdir(chunks)).find(file => file.startsWith(`${lazy}-`))
      expect(lazyChunk, `a ${lazy} chunk in ${chunks}`).toBeDefined()
      const files = new Set((await staticClosure(path)).map(file => resolve(path, '..', file)))
      for (const file of await staticClosure(resolve(chunks, lazyChunk as string))) {
        files.add(resolve(chunks, file))
      }
      let gzipped = 0
      for (const file of files) {
        gzipped += gzipSync(await readFile(file)).byteLength
      }
      // the engine must stay out: the budget means nothing if it is a static import of either
      expect([...files].some(file => basename(file).startsWith('engine'))).toBe(false)
      expect(gzipped).toBeLessThanOrEqual(budget)
    })
  }
})

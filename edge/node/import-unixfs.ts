import { createReadStream } from 'node:fs'
import type { Dirent } from 'node:fs'
import { opendir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { logger } from '@libp2p/logger'
import { importer } from 'ipfs-unixfs-importer'
import { sha256 } from 'multiformats/hashes/sha2'
import { RehashingTarget } from './rehash-blocks.ts'
import type { ImportTarget } from './types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { ImportCandidate, ImporterOptions } from 'ipfs-unixfs-importer'
import type { CID } from 'multiformats/cid'
import type { MultihashHasher } from 'multiformats/hashes/interface'

const log = logger('edgeway:edge:import-unixfs')

/**
 * CIDv1 with raw leaves: the CIDs a modern `ipfs add --cid-version 1` makes
 * for the same bytes, chunked at 256 KiB (with `--hash`, the same hash).
 */
const IMPORTER_OPTIONS: ImporterOptions = {
  cidVersion: 1,
  rawLeaves: true
}

export interface UnixFSImportOptions extends AbortOptions {
  /**
   * The hash every block's CID is made with
   *
   * @default sha256
   */
  hasher?: MultihashHasher
}

export interface UnixFSImportResult {
  root: CID
  blocks: number
}

/**
 * Imports a directory tree; the directory itself becomes the root, so its
 * `index.html` is at `/ipfs/<root>/index.html`. Hidden entries (dot files) are
 * skipped, symlinks are followed to files only. Files are streamed from disk.
 */
export async function importDirectory (dir: string, target: ImportTarget, options: UnixFSImportOptions = {}): Promise<UnixFSImportResult> {
  return runImporter(walk(dir, '', options), target, { ...IMPORTER_OPTIONS, wrapWithDirectory: true }, options)
}

/**
 * Imports one file as a UnixFS file, streamed from disk.
 */
export async function importFile (file: string, target: ImportTarget, options: UnixFSImportOptions = {}): Promise<UnixFSImportResult> {
  const candidate = { path: basename(file), content: createReadStream(file) }
  return runImporter([candidate], target, IMPORTER_OPTIONS, options)
}

async function runImporter (source: Iterable<ImportCandidate> | AsyncIterable<ImportCandidate>, target: ImportTarget, importerOptions: ImporterOptions, options: UnixFSImportOptions): Promise<UnixFSImportResult> {
  let blocks = 0
  const stored = {
    // re-importing into a persistent repo must not rewrite every block
    put: async (cid: CID, bytes: Uint8Array) => {
      options.signal?.throwIfAborted()
      blocks++
      if (!(await target.has(cid))) {
        await target.put(cid, bytes)
      }
      return cid
    }
  }
  // the importer only hashes with sha2-256: any other hash is applied as its blocks are written
  const hasher = options.hasher ?? sha256
  const rehashing = hasher.code === sha256.code ? undefined : new RehashingTarget(stored, hasher)
  const store = rehashing ?? stored

  let root: CID | undefined
  for await (const entry of importer(source, store, importerOptions)) {
    root = entry.cid
  }

  if (root == null) {
    // an empty directory: the importer yields nothing for an empty source
    for await (const entry of importer([{ path: '' }], store, IMPORTER_OPTIONS)) {
      root = entry.cid
    }
  }

  if (root == null) {
    throw new Error('the UnixFS importer produced no root')
  }

  if (rehashing != null) {
    root = rehashing.cidOf(root)
  }
  log('imported %d blocks, root %c', blocks, root)
  return { root, blocks }
}

/**
 * Yields import candidates for everything under `dir`, sorted by name so the
 * walk is deterministic. Directories are yielded too so empty ones survive.
 */
async function * walk (dir: string, prefix: string, options: AbortOptions): AsyncGenerator<ImportCandidate> {
  const entries: Dirent[] = []
  for await (const entry of await opendir(dir)) {
    if (!entry.name.startsWith('.')) {
      entries.push(entry)
    }
  }
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

  for (const entry of entries) {
    options.signal?.throwIfAborted()
    const full = join(dir, entry.name)
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`

    if (entry.isDirectory()) {
      yield { path }
      yield * walk(full, path, options)
    } else if (entry.isFile() || (entry.isSymbolicLink() && await isFile(full))) {
      // symlinks are followed to files only, so a link cycle cannot recurse
      yield { path, content: createReadStream(full) }
    } else {
      log('skipping %s: not a regular file or directory', full)
    }
  }
}

async function isFile (path: string): Promise<boolean> {
  const stats = await stat(path).catch(() => undefined)
  return stats?.isFile() === true
}

import { stat } from 'node:fs/promises'
import { logger } from '@libp2p/logger'
import { ServePathError } from './errors.ts'
import { importCar } from './import-car.ts'
import { importIpnsRecord, isIpnsRecordFile } from './import-ipns-record.ts'
import { importDirectory, importFile } from './import-unixfs.ts'
import type { HasherLoader } from './import-car.ts'
import type { ContentTarget, ImportResult } from './types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { MultihashHasher } from 'multiformats/hashes/interface'

const log = logger('edgeway:edge:import')

export interface ImportContentOptions extends AbortOptions {
  /** Checks CAR blocks against their CIDs */
  getHasher: HasherLoader
  /**
   * The hash directories and files are imported with (a CAR keeps its own)
   *
   * @default sha256
   */
  hasher?: MultihashHasher
}

/**
 * Imports every `serve` entry, in order: a directory as a UnixFS directory, a
 * `.car` file block by block, an `.ipns-record` file as a signed record held
 * for its name, anything else as a UnixFS file. Throws `ServePathError` for an
 * entry that is missing or not a file or directory.
 */
export async function importContent (serve: string[], target: ContentTarget, options: ImportContentOptions): Promise<ImportResult[]> {
  const results: ImportResult[] = []

  for (const path of serve) {
    options.signal?.throwIfAborted()
    results.push(await importOne(path, target, options))
  }

  return results
}

async function importOne (path: string, target: ContentTarget, options: ImportContentOptions): Promise<ImportResult> {
  const started = Date.now()
  const stats = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new ServePathError(`cannot serve ${path}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`)
  })

  let result: ImportResult
  if (stats.isDirectory()) {
    const { root, blocks } = await importDirectory(path, target.blocks, { hasher: options.hasher, signal: options.signal })
    result = { path, root: root.toString(), kind: 'directory', blocks }
  } else if (stats.isFile() && path.toLowerCase().endsWith('.car')) {
    const { root, blocks } = await importCar(path, target.blocks, options.getHasher, options)
    result = { path, root: root.toString(), kind: 'car', blocks }
  } else if (stats.isFile() && isIpnsRecordFile(path)) {
    const { name } = await importIpnsRecord(path, target.ipnsRecords, options)
    result = { path, root: name, kind: 'ipns-record', blocks: 0 }
  } else if (stats.isFile()) {
    const { root, blocks } = await importFile(path, target.blocks, { hasher: options.hasher, signal: options.signal })
    result = { path, root: root.toString(), kind: 'file', blocks }
  } else {
    throw new ServePathError(`cannot serve ${path}: not a file or directory`)
  }

  log('%s %s → %s (%d blocks, %d ms)', result.kind, path, result.root, result.blocks, Date.now() - started)
  return result
}

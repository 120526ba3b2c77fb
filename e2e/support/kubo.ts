import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ensureGoBinary } from './go-binary.ts'
export { startKubo } from './kubo-daemon.ts'
export type { KuboNode, KuboOptions } from './kubo-daemon.ts'
import type { GoBinary, GoBinaryOptions, GoBinarySpec, ModuleSource } from './go-binary.ts'

/** The Kubo release the specs run against (the newest the module proxy serves here) */
export const KUBO_VERSION = 'v0.43.1'
/**
 * Kubo's go.mod replaces go-libp2p with a fork the module proxy refuses (403);
 * the nearest release builds and runs the same for loopback tests.
 */
const GO_LIBP2P_RELEASE = 'v0.50.0'

export const KUBO: GoBinarySpec = {
  name: 'kubo',
  module: 'github.com/ipfs/kubo',
  version: KUBO_VERSION,
  pkg: './cmd/ipfs',
  binary: 'ipfs',
  patch: dropLibp2pFork
}

/** The `ipfs` binary, built from the module proxy and cached the first time; `{ skipped }` without Go. */
export async function ensureKubo (options: GoBinaryOptions = {}): Promise<GoBinary> {
  return ensureGoBinary(KUBO, options)
}

async function dropLibp2pFork (source: ModuleSource, options: { signal?: AbortSignal }): Promise<void> {
  const goMod = join(source.dir, 'go.mod')
  const text = await readFile(goMod, 'utf8')
  await writeFile(goMod, text.replace(/^replace github\.com\/libp2p\/go-libp2p => .*$/m, ''))
  await source.go(['get', `github.com/libp2p/go-libp2p@${GO_LIBP2P_RELEASE}`], options)
}

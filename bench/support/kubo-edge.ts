import { join } from 'node:path'
import { ensureKubo, startKubo } from '../../e2e/support/kubo.ts'
import { spawnLauncher } from '../../e2e/support/processes.ts'
import type { BenchEnv, GatewayAt } from './environment.ts'
import type { FileFact } from './content.ts'

/**
 * Flags that give Kubo's DAG the layout of our edge's import (CIDv1, raw
 * leaves, 256 KiB chunks): the same blocks, so the edge server is the only
 * difference between the two Edgeway series
 */
const SAME_LAYOUT = ['--cid-version=1', '--raw-leaves']

export interface KuboEdge extends GatewayAt {
  /** The file's CID as Kubo made it */
  fileCid: string
  stop(): Promise<void>
}

/**
 * A Kubo daemon holding `file` and the first-hit page (wrapped in one
 * directory, so their paths are the bench's), and an Edgeway gateway
 * (`npm start -- --edge <Kubo's gateway>`) using it as its only edge. Where
 * Go is missing (or the build fails) it answers why instead.
 */
export async function startKuboEdge (env: BenchEnv, file: FileFact): Promise<KuboEdge | { skipped: string }> {
  let binary
  try {
    binary = await ensureKubo({ log: env.log })
  } catch (err) {
    return { skipped: `the Kubo build failed: ${(err as Error).message.split('\n')[0]}` }
  }
  if ('skipped' in binary) {
    return binary
  }
  const node = await startKubo(binary.path)
  try {
    env.log(`adding ${file.path} to Kubo (${SAME_LAYOUT.join(' ')})`)
    const root = (await node.ipfs(['add', '-Q', '--wrap-with-directory', ...SAME_LAYOUT, join(env.content.dir, file.path), join(env.content.dir, env.content.firstHit.path)], { timeoutMs: 300_000 })).trim()
    const fileCid = (await node.ipfs(['resolve', '-r', `/ipfs/${root}/${file.path}`])).trim().replace(/^\/ipfs\//, '')
    const launcher = await spawnLauncher(['--edge', node.gateway])
    return {
      gateway: launcher.info.gateway,
      root,
      fileCid,
      async stop () {
        await launcher.stop()
        await node.stop()
      }
    }
  } catch (err) {
    await node.stop()
    throw err
  }
}

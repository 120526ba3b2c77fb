import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchBrowser } from '../../e2e/support/browser.ts'
import { loopbackNamespace } from '../../e2e/support/loopback-netns.ts'
import { spawnJson, spawnLauncher } from '../../e2e/support/processes.ts'
import type { LauncherInfo, Running } from '../../e2e/support/processes.ts'
import { writeRandomFile } from './content.ts'
import type { FileFact } from './content.ts'
import type { BenchEnv } from './environment.ts'
import type { Browser, Page } from 'playwright-core'

/** Browsers that talk WebRTC to each other, and the gateways they use. */
export interface PeerEnv {
  browser: Browser
  /** `npm start` with an embedded edge serving `dir`: relay, routing and content */
  main: Running<LauncherInfo>
  /** A page on the main edge's own origin (no SW there), for routing lookups */
  probe: Page
  /** The root CID of the files the main edge serves */
  root: string
  /** One random file a run (warm-up included), as `<name>/<run>.bin` under `root` */
  files: FileFact[]
  /** Starts another gateway process (`npm start -- args`) in the same network */
  launcher(args: string[]): Promise<Running<LauncherInfo>>
  /** Starts a script of the project that prints one JSON line, in the same network */
  script<T>(path: string, args: string[]): Promise<Running<T>>
  stop(): Promise<void>
}

/**
 * The peer measures' own world: WebRTC between Chromium contexts needs the
 * loopback flag and, to keep every packet on this machine, a loopback-only
 * network namespace (when the benchmark runs as root), so the edge, the
 * gateways and Chromium run in it, apart from the other measures' ones.
 */
export async function startPeerEnv (env: BenchEnv, content: { name: string, bytes: number }): Promise<PeerEnv> {
  const dir = await mkdtemp(join(tmpdir(), `edgeway-bench-${content.name}-`))
  await mkdir(join(dir, content.name))
  const files: FileFact[] = []
  for (let run = 0; run <= env.runs; run++) {
    files.push(await writeRandomFile(dir, `${content.name}/${run}.bin`, content.bytes))
  }
  const netns = await loopbackNamespace()
  const prefix = netns?.prefix
  const running: Array<Running<unknown>> = []
  let browser: Browser | undefined
  const stop = async (): Promise<void> => {
    await browser?.close().catch(() => {})
    for (const process of running.reverse()) {
      await process.stop().catch(() => {})
    }
    await netns?.stop()
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const launcher = async (args: string[]): Promise<Running<LauncherInfo>> => {
      const started = await spawnLauncher(args, { prefix })
      running.push(started)
      return started
    }
    const script = async <T>(path: string, args: string[]): Promise<Running<T>> => {
      const started = await spawnJson<T>(path, args, { prefix })
      running.push(started)
      return started
    }
    env.log(`  peers: starting an edge and a gateway${netns == null ? '' : ' in a loopback-only network namespace'}`)
    const main = await launcher(['--serve', dir])
    browser = await launchBrowser({ executablePath: netns?.chromium, args: ['--allow-loopback-in-peer-connection'] })
    const probe = await browser.newPage()
    await probe.goto(`${main.info.edges[0].http!}/info`)
    return { browser, main, probe, root: main.info.roots[dir], files, launcher, script, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

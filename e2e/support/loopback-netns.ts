import { spawn, spawnSync } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { ensureChromium } from './system-browsers.ts'

/**
 * A network namespace with nothing but loopback, for tests whose browsers
 * talk WebRTC: ICE then finds no address but 127.0.0.1, so no packet can
 * leave the machine whatever Chromium tries. The edge, the gateway and
 * Chromium all run inside it (Playwright talks to Chromium over pipes, so the
 * test process itself stays outside).
 */
export interface LoopbackNamespace {
  /** A command prefix that runs a program inside the namespace */
  prefix: string[]
  /** A script that starts Chromium inside the namespace: the `executablePath` to launch */
  chromium: string
  stop(): Promise<void>
}

/**
 * Enters a loopback-only namespace when this process may (root, with
 * `unshare`, `nsenter` and `ip`); else returns undefined and the caller runs
 * on the host's network (WebRTC still uses loopback only, as the tests
 * configure no ICE servers, but nothing enforces it).
 */
export async function loopbackNamespace (): Promise<LoopbackNamespace | undefined> {
  const canEnter = process.getuid?.() === 0 && ['unshare', 'nsenter', 'ip'].every(tool => spawnSync('which', [tool]).status === 0)
  if (!canEnter) {
    process.stderr.write('e2e: not root (or no unshare/nsenter/ip): WebRTC tests run on the host network, on loopback by configuration only\n')
    return undefined
  }
  const holder = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up && echo ready && exec sleep infinity'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const ready = await new Promise<boolean>(resolve => {
    createInterface({ input: holder.stdout! }).once('line', line => { resolve(line === 'ready') })
    holder.once('exit', () => { resolve(false) })
  })
  if (!ready || holder.pid == null) {
    holder.kill('SIGKILL')
    process.stderr.write('e2e: could not create a network namespace: WebRTC tests run on the host network\n')
    return undefined
  }
  const prefix = ['nsenter', `--net=/proc/${holder.pid}/ns/net`, '--']
  const dir = await mkdtemp(join(tmpdir(), 'edgeway-netns-'))
  const chromium = join(dir, 'chromium')
  await writeFile(chromium, `#!/bin/sh\nexec ${prefix.join(' ')} ${ensureChromium()} "$@"\n`)
  await chmod(chromium, 0o755)
  return {
    prefix,
    chromium,
    async stop () {
      holder.kill('SIGTERM')
      await rm(dir, { recursive: true, force: true })
    }
  }
}

import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { resolve } from 'node:path'
import type { EdgeInfo } from '../../edge/node/types.ts'
import type { EdgeEndpoint } from '../../src/lib/types.ts'
import type { ChildProcess } from 'node:child_process'

const ROOT = resolve(import.meta.dirname, '../..')

export interface Running<T> {
  info: T
  process: ChildProcess
  /** SIGTERM, then wait for a clean exit */
  stop(): Promise<number | null>
}

export interface LauncherInfo {
  gateway: string
  edges: EdgeEndpoint[]
  roots: Record<string, string>
}

export interface SpawnOptions {
  /** A command prefix the process runs under, e.g. `nsenter --net=… --` (it must exec the command, keeping the pid) */
  prefix?: string[]
  /** Environment variables beyond the test runner's own (e.g. `EDGEWAY_DIST_DIR` for the launcher) */
  env?: Record<string, string>
}

/** `npm run edge -- …` as its own process: the real edge, started by the real CLI. */
export async function spawnEdge (args: string[], options: SpawnOptions = {}): Promise<Running<EdgeInfo>> {
  return spawnJson<EdgeInfo>('edge/bin/edge.ts', [...args, '--json'], options)
}

/** `npm start -- …` as its own process: embedded edge (or --edge) plus the gateway, on any free port unless `--port` is given. */
export async function spawnLauncher (args: string[], options: SpawnOptions = {}): Promise<Running<LauncherInfo>> {
  return spawnJson<LauncherInfo>('edge/bin/start.ts', [...args, ...(args.includes('--port') ? [] : ['--port', '0']), '--json'], options)
}

/** Any script of the project as its own process that prints one JSON line when ready (a test peer, say). */
export async function spawnJson<T> (script: string, args: string[], { prefix = [], env }: SpawnOptions = {}): Promise<Running<T>> {
  const command = [...prefix, process.execPath, resolve(ROOT, script), ...args]
  const child = spawn(command[0], command.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: env == null ? undefined : { ...process.env, ...env } })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<number | null>(resolve => { child.once('exit', code => { resolve(code) }) })
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${script} printed no JSON within 60 s\n${stderr}`)) }, 60_000)
    createInterface({ input: child.stdout! }).once('line', line => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(line) as T)
      } catch {
        reject(new Error(`${script} printed a line that is not JSON: ${line}\n${stderr}`))
      }
    })
    void exited.then(code => { clearTimeout(timer); reject(new Error(`${script} exited with ${code} before it was ready\n${stderr}`)) })
  })
  return {
    info,
    process: child,
    async stop () {
      if (child.exitCode == null) {
        child.kill('SIGTERM')
      }
      return exited
    }
  }
}

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { EdgeProcessError } from './errors.ts'
import type { EdgeInfo } from '../node/types.ts'
import type { AbortOptions } from '@libp2p/interface'

const EDGE_SCRIPT = resolve(import.meta.dirname, '../bin/edge.ts')

/**
 * How long `stop()` waits after SIGTERM before SIGKILL: longer than the edge
 * gives its own clean stop (`STOP_TIMEOUT_MS` in edge.ts, 5 s), so a stop
 * that hangs is cut by the edge itself first and SIGKILL is the last resort.
 */
export const EDGE_STOP_GRACE_MS = 7_000

export interface EdgeProcess {
  /** The edge's one `--json` line: the `EdgeInfo` that `startEdge()` returns in-process */
  info: EdgeInfo
  pid: number
  /** Resolves with the exit code (or the signal's name) once the process has ended, however it ended */
  exited: Promise<number | string>
  /** SIGTERM, then the exit; SIGKILL after `EDGE_STOP_GRACE_MS`. Safe to call more than once. */
  stop(): Promise<void>
}

/**
 * Runs `edge/bin/edge.ts <args> --json --exit-with-stdin` as a process of its
 * own and resolves with its `EdgeInfo` once it is ready. A process of its own
 * gives the edge its own file descriptors, memory and event loop: a flood of
 * its libp2p WebSocket port (whose sockets no timeout or cap bounds before the
 * upgrade) exhausts the edge, never the gateway beside it.
 *
 * The child's stdin is a pipe nobody writes to: it closes when this process
 * ends, however it ends (SIGKILL included), and the edge then stops, so it
 * never outlives the launcher. It runs in its own process group, so a
 * terminal's Ctrl-C reaches the launcher alone and the launcher stops it once.
 * Its stderr is the launcher's.
 */
export async function spawnEdgeProcess (args: string[], options: AbortOptions = {}): Promise<EdgeProcess> {
  options.signal?.throwIfAborted()
  // the project's Node: the one running the launcher
  const child = spawn(process.execPath, [EDGE_SCRIPT, ...args, '--json', '--exit-with-stdin'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true
  })
  const exited = new Promise<number | string>(resolve => {
    child.once('exit', (code, signal) => { resolve(code ?? signal ?? 'unknown') })
    // a process that could not be started never exits: its error is the end
    child.on('error', err => { if (child.pid == null) resolve(`not started: ${err.message}`) })
  })
  // the child never reads its stdin: an error there only means it has gone, which `exited` reports
  child.stdin.on('error', () => {})

  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode == null && child.signalCode == null) {
        child.kill('SIGTERM')
        const grace = setTimeout(() => { child.kill('SIGKILL') }, EDGE_STOP_GRACE_MS)
        await exited
        clearTimeout(grace)
      }
      child.stdin.destroy()
    })()
    return stopping
  }

  const onAbort = (): void => { void stop() }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const lines = createInterface({ input: child.stdout })
    const line = await Promise.race([
      once(lines, 'line').then(([text]) => String(text)),
      exited.then(code => {
        // stopped by the abort: that is the reason, not the exit
        options.signal?.throwIfAborted()
        throw new EdgeProcessError(`the edge exited (${code}) before it was ready`)
      })
    ])
    // with --json the edge prints nothing more; read on anyway, so a stray line can never fill the pipe and block it
    child.stdout.resume()
    options.signal?.throwIfAborted()
    return { info: parseEdgeInfo(line), pid: child.pid ?? 0, exited, stop }
  } catch (err) {
    await stop()
    throw err
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}

/** The edge's `--json` line as an `EdgeInfo`, checked field by field; throws `EdgeProcessError` */
function parseEdgeInfo (line: string): EdgeInfo {
  let info: Partial<Record<keyof EdgeInfo, unknown>>
  try {
    info = JSON.parse(line)
  } catch {
    throw new EdgeProcessError(`the edge printed a line that is not JSON: ${line.slice(0, 200)}`)
  }
  const isRecord = (value: unknown): boolean => value != null && typeof value === 'object' && !Array.isArray(value)
  if (typeof info?.peerId !== 'string' || typeof info.http !== 'string' || typeof info.dns !== 'string' ||
    !Array.isArray(info.multiaddrs) || !info.multiaddrs.every(addr => typeof addr === 'string') ||
    !isRecord(info.roots) || !isRecord(info.ipns)) {
    throw new EdgeProcessError(`the edge printed JSON that is not an EdgeInfo: ${line.slice(0, 200)}`)
  }
  return info as EdgeInfo
}

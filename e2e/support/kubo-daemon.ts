import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { AbortOptions } from '@libp2p/interface'

/** How long `ipfs daemon` may take to say it is ready */
const READY_MS = 60_000
/** How long a SIGTERM'd daemon may take to exit before it is killed */
const STOP_MS = 10_000
/** Where setpriv lives on Debian/Ubuntu (util-linux, always installed): it makes the daemon die with its parent */
const SETPRIV = '/usr/bin/setpriv'

export class KuboError extends Error {
  static name = 'KuboError'
  name = 'KuboError'
}

export interface KuboOptions extends AbortOptions {
  /** Config keys set with `ipfs config --json <key> <value>` after the loopback-only defaults, e.g. `{ 'Import.UnixFSHAMTDirectorySizeThreshold': '1KiB' }` */
  config?: Record<string, unknown>
}

export interface CommandOptions extends AbortOptions {
  /** Bytes for the command's stdin */
  input?: Uint8Array | string
  /** @default 60 s */
  timeoutMs?: number
}

export interface KuboNode {
  peerId: string
  /** The gateway's base URL, e.g. `http://127.0.0.1:P` (with `/routing/v1`) */
  gateway: string
  /** The RPC API's base URL */
  api: string
  /** Its swarm addresses with `/p2p/<id>`: plain TCP, and WebSocket for browsers */
  tcp: string
  ws: string
  repo: string
  /** Runs `ipfs <args>` against this node, resolving to its stdout */
  ipfs(args: string[], options?: CommandOptions): Promise<string>
  /** `ipfs add -Q <flags> <path>` (a directory gets `-r`): the root CID */
  add(path: string, flags?: string[], options?: AbortOptions): Promise<string>
  /** `ipfs add -Q <flags>` of these bytes: their root CID */
  addBytes(bytes: Uint8Array, flags?: string[], options?: AbortOptions): Promise<string>
  /** `ipfs cat <path>` as bytes, failing after `timeoutMs` (Kubo's own `--timeout`) */
  cat(path: string, options?: { timeoutMs?: number } & AbortOptions): Promise<Uint8Array>
  /** `ipfs swarm connect <multiaddr>`, to another Kubo node or any libp2p peer */
  connect(to: KuboNode | string, options?: AbortOptions): Promise<void>
  /** SIGTERM (or `signal`, e.g. SIGKILL for a crash), a SIGKILL if it lingers, then the repository is removed */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Config for a Kubo that talks to loopback only. `--profile test` already
 * gives 127.0.0.1 addresses on port 0, no bootstrap peers, no MDNS, no
 * AutoConf/AutoTLS and no NAT port mapping; on top: a WebSocket listener for
 * browsers, the routing API on the gateway, DHT routing only (no delegated
 * routers that would be public), no relay or AutoNAT service to offer or use,
 * and no telemetry.
 */
const LOOPBACK_CONFIG: Record<string, unknown> = {
  'Addresses.Swarm': ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
  'Gateway.ExposeRoutingAPI': true,
  'Routing.Type': 'dht',
  'Routing.DelegatedRouters': [],
  'Ipns.DelegatedPublishers': [],
  'Swarm.RelayClient.Enabled': false,
  'Swarm.RelayService.Enabled': false,
  'AutoNAT.ServiceMode': 'disabled',
  'Plugins.Plugins.telemetry.Config.Mode': 'off'
}

/**
 * A Kubo daemon in a fresh repository under the temp folder, on 127.0.0.1
 * with free ports for its swarm (TCP and `/ws`), gateway and RPC API. The
 * daemon dies with the process that started it (setpriv's parent-death
 * signal, or an exit handler where setpriv is missing).
 */
export async function startKubo (binary: string, { config = {}, signal }: KuboOptions = {}): Promise<KuboNode> {
  signal?.throwIfAborted()
  const repo = await mkdtemp(join(tmpdir(), 'edgeway-kubo-'))
  const env = { ...process.env, IPFS_PATH: repo, IPFS_TELEMETRY: 'off' }
  const ipfs = async (args: string[], options: CommandOptions = {}): Promise<string> => (await ipfsBytes(args, options)).toString()
  const ipfsBytes = async (args: string[], { input, timeoutMs = 60_000, signal }: CommandOptions = {}): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const child = execFile(binary, args, { env, timeout: timeoutMs, signal, maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' }, (error, stdout, stderr) => {
        if (error != null) {
          reject(new KuboError(`ipfs ${args.join(' ')}: ${error.message}\n${stderr.toString()}`))
        } else {
          resolve(stdout)
        }
      })
      child.stdin?.end(input)
    })

  try {
    await ipfs(['init', '--profile=test'], { signal })
    for (const [key, value] of Object.entries({ ...LOOPBACK_CONFIG, ...config })) {
      await ipfs(['config', '--json', key, JSON.stringify(value)], { signal })
    }
  } catch (err) {
    await rm(repo, { recursive: true, force: true })
    throw err
  }

  const command = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', binary] : [binary]
  // --enable-gc=false: a test's blocks must stay until its end; the repository is thrown away anyway
  const child = spawn(command[0], [...command.slice(1), 'daemon', '--enable-gc=false'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const killOnExit = (): void => { child.kill('SIGKILL') }
  process.once('exit', killOnExit)
  const exited = new Promise<number | null>(resolve => { child.once('exit', code => { resolve(code) }) })
  let output = ''
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    process.off('exit', killOnExit)
    if (child.exitCode == null && child.signalCode == null) {
      child.kill(signal)
      const timer = setTimeout(() => { child.kill('SIGKILL') }, STOP_MS)
      await exited
      clearTimeout(timer)
    }
    await rm(repo, { recursive: true, force: true })
  }

  try {
    const ports = await new Promise<{ api: string, gateway: string }>((resolve, reject) => {
      const found: { api?: string, gateway?: string } = {}
      const timer = setTimeout(() => { reject(new KuboError(`ipfs daemon was not ready within ${READY_MS / 1000} s\n${output}`)) }, READY_MS)
      createInterface({ input: child.stdout }).on('line', line => {
        output += `${line}\n`
        const api = /^RPC API server listening on \/ip4\/127\.0\.0\.1\/tcp\/(\d+)/.exec(line)
        const gateway = /^Gateway server listening on \/ip4\/127\.0\.0\.1\/tcp\/(\d+)/.exec(line)
        if (api != null) found.api = `http://127.0.0.1:${api[1]}`
        if (gateway != null) found.gateway = `http://127.0.0.1:${gateway[1]}`
        if (line.startsWith('Daemon is ready')) {
          clearTimeout(timer)
          if (found.api == null || found.gateway == null) {
            reject(new KuboError(`ipfs daemon is ready but did not say its API and gateway addresses\n${output}`))
          } else {
            resolve({ api: found.api, gateway: found.gateway })
          }
        }
      })
      void exited.then(code => { clearTimeout(timer); reject(new KuboError(`ipfs daemon exited with ${code} before it was ready\n${output}`)) })
      signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason) }, { once: true })
    })
    const id = JSON.parse(await ipfs(['id'], { signal })) as { ID: string, Addresses: string[] | null }
    const addresses = id.Addresses ?? []
    const tcp = addresses.find(a => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//.test(a))
    const ws = addresses.find(a => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//.test(a))
    if (tcp == null || ws == null) {
      throw new KuboError(`ipfs id lists no loopback TCP and /ws addresses: ${addresses.join(' ')}`)
    }
    return {
      peerId: id.ID,
      ...ports,
      tcp,
      ws,
      repo,
      ipfs,
      async add (path, flags = [], options = {}) {
        return (await ipfs(['add', '-Q', '-r', ...flags, path], options)).trim()
      },
      async addBytes (bytes, flags = [], options = {}) {
        return (await ipfs(['add', '-Q', ...flags], { ...options, input: bytes })).trim()
      },
      async cat (path, { timeoutMs = 30_000, signal } = {}) {
        return new Uint8Array(await ipfsBytes(['cat', `--timeout=${timeoutMs}ms`, path], { timeoutMs: timeoutMs + 5_000, signal }))
      },
      async connect (to, options = {}) {
        await ipfs(['swarm', 'connect', typeof to === 'string' ? to : to.tcp], options)
      },
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

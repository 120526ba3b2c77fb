import { execFile, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, cp, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { AbortOptions } from '@libp2p/interface'

/** How long a process waits for another one's build before it gives up (a cold Kubo build is ~3 min on 2 cores) */
const WAIT_FOR_OTHER_BUILD_MS = 20 * 60_000
const POLL_MS = 1_000
/** go's own output kept for an error message */
const MAX_OUTPUT = 64 * 1024 * 1024

export class GoBuildError extends Error {
  static name = 'GoBuildError'
  name = 'GoBuildError'
}

/** The module's source, copied somewhere writable, for a patch step to edit before the build. */
export interface ModuleSource {
  dir: string
  /** Runs `go <args>` in `dir` (with `GOFLAGS=-mod=mod`), resolving to its stdout */
  go(args: string[], options?: AbortOptions): Promise<string>
}

export interface GoBinarySpec {
  /** A short name for the cache folder and messages, e.g. `kubo` */
  name: string
  /** Module path, e.g. `github.com/ipfs/kubo` */
  module: string
  /** Module version, e.g. `v0.43.1` */
  version: string
  /** The main package inside the module, e.g. `./cmd/ipfs` */
  pkg: string
  /** The binary's file name in the cache folder, e.g. `ipfs` */
  binary: string
  /** Edits the module's source before the build (say, to drop a `replace` line the module proxy cannot serve) */
  patch?(source: ModuleSource, options: AbortOptions): Promise<void>
}

export type GoBinary = { path: string, built: boolean } | { skipped: string }

export interface GoBinaryOptions extends AbortOptions {
  /** @default $EDGEWAY_GO_CACHE, else ~/.cache/edgeway */
  cacheRoot?: string
  /** Where progress lines go @default process.stderr */
  log?(line: string): void
}

/** Where built Go tools are kept: outside the repository, one folder per tool and version. */
export function goCacheRoot (): string {
  const fromEnv = process.env.EDGEWAY_GO_CACHE
  return fromEnv != null && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'edgeway')
}

/** Undefined when `go` is on PATH, else why a tool cannot be built */
export function goMissing (tool = 'Go tools'): string | undefined {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' })
    return undefined
  } catch {
    return `\`go\` is not on PATH: install Go (https://go.dev/dl/) to build ${tool}`
  }
}

/**
 * The path of a Go program built from the module proxy, building it the first
 * time. The binary is built under a temporary name and renamed into place, so
 * its final path either does not exist or is whole; a lock file keeps
 * concurrent processes (Vitest workers, a bench next to a test run) from
 * building it twice: the others wait for the first one's rename. Without `go`
 * it answers `{ skipped }` rather than throwing, so callers can skip and say why.
 */
export async function ensureGoBinary (spec: GoBinarySpec, { cacheRoot = goCacheRoot(), log = line => process.stderr.write(`${line}\n`), signal }: GoBinaryOptions = {}): Promise<GoBinary> {
  signal?.throwIfAborted()
  const dir = join(cacheRoot, `${spec.name}-${spec.version}`)
  const path = join(dir, spec.binary)
  if (existsSync(path)) {
    return { path, built: false }
  }
  const missing = goMissing(`${spec.name} ${spec.version}`)
  if (missing != null) {
    return { skipped: missing }
  }
  await mkdir(dir, { recursive: true })
  const lock = join(dir, '.lock')
  for (const deadline = Date.now() + WAIT_FOR_OTHER_BUILD_MS; ;) {
    signal?.throwIfAborted()
    if (existsSync(path)) {
      return { path, built: false }
    }
    if (await takeLock(lock)) {
      break
    }
    if (Date.now() > deadline) {
      throw new GoBuildError(`${spec.name} ${spec.version}: another process has held ${lock} for over ${WAIT_FOR_OTHER_BUILD_MS / 60_000} min; remove it if no build is running`)
    }
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
  try {
    // the holder before us may have finished between our check and our lock
    if (existsSync(path)) {
      return { path, built: false }
    }
    await build(spec, dir, path, { log, signal })
    return { path, built: true }
  } finally {
    await rm(lock, { force: true })
  }
}

async function build (spec: GoBinarySpec, dir: string, path: string, { log, signal }: { log(line: string): void } & AbortOptions): Promise<void> {
  const started = Date.now()
  log(`go: building ${spec.name} ${spec.version} from the Go module proxy into ${dir} (once; minutes on a small machine)…`)
  const work = join(dir, `.build-${process.pid}`)
  await rm(work, { recursive: true, force: true })
  try {
    const download = JSON.parse(await go(['mod', 'download', '-json', `${spec.module}@${spec.version}`], dir, { signal })) as { Dir?: string, Error?: string }
    if (download.Dir == null) {
      throw new GoBuildError(`go mod download ${spec.module}@${spec.version}: ${download.Error ?? 'no Dir in its answer'}`)
    }
    // the module cache is read-only: build from a writable copy, so a patch step can edit it
    const source = join(work, 'src')
    await cp(download.Dir, source, { recursive: true })
    await makeWritable(source)
    const moduleSource: ModuleSource = { dir: source, go: async (args, options = {}) => go(args, source, options) }
    await spec.patch?.(moduleSource, { signal })
    const temporary = join(work, spec.binary)
    await go(['build', '-trimpath', '-o', temporary, spec.pkg], source, { signal })
    await rename(temporary, path)
    log(`go: built ${spec.name} ${spec.version} in ${Math.round((Date.now() - started) / 1000)} s: ${path}`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function go (args: string[], cwd: string, { signal }: AbortOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('go', args, {
      cwd,
      signal,
      maxBuffer: MAX_OUTPUT,
      env: { ...process.env, GOFLAGS: '-mod=mod' }
    }, (error, stdout, stderr) => {
      if (error != null) {
        reject(new GoBuildError(`go ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-4000)}`))
      } else {
        resolve(stdout)
      }
    })
  })
}

/** `chmod -R u+w` */
async function makeWritable (dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = join(entry.parentPath, entry.name)
    if (entry.isSymbolicLink()) continue
    await chmod(full, (await stat(full)).mode | 0o200)
  }
  await chmod(dir, (await stat(dir)).mode | 0o200)
}

/**
 * Creates the lock file holding our pid; false when another live process holds it.
 * A lock left by a process that died is taken over.
 */
async function takeLock (lock: string): Promise<boolean> {
  try {
    const handle = await open(lock, 'wx')
    await handle.writeFile(String(process.pid))
    await handle.close()
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw err
    }
  }
  const holder = Number(await readFile(lock, 'utf8').catch(() => ''))
  if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
    await rm(lock, { force: true })
    return takeLock(lock)
  }
  return false
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

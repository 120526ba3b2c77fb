import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { serveStatic } from '../../edge/gateway/static-files.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '../..')
const BIN = resolve(ROOT, 'node_modules/.bin')

export interface ExampleDapp {
  /** The dApp's own origin, `http://127.0.0.1:P` */
  url: string
  /**
   * The example's TypeScript checked as a dApp's compiler sees it (its
   * tsconfig.json and tsconfig.sw.json: `skipLibCheck: false`), with nothing
   * but what installing the tarball brought: tsc's output, empty when clean
   */
  typecheck(): Promise<string>
  stop(): Promise<void>
}

/**
 * examples/dapp as a dApp developer gets it running: the SDK packed with
 * `npm pack` from the built dist/sdk (`npm run build` first), a copy of the
 * example installing that tarball (offline: it has no dependencies), built
 * with vite and served from its own origin. The copy sits in .scratch/, inside
 * the repository, so the example's vite configs find the repository's vite.
 */
export async function startExampleDapp (): Promise<ExampleDapp> {
  await run('npm', ['run', 'build:sdk-package', '--silent'], { cwd: ROOT, env: withBin() })
  // a fresh clone has no .scratch/ (it is ignored)
  await mkdir(join(ROOT, '.scratch'), { recursive: true })
  const dir = await mkdtemp(join(ROOT, '.scratch', 'dapp-'))
  try {
    await run('npm', ['pack', join(ROOT, 'dist/sdk'), '--pack-destination', dir, '--silent'], { cwd: ROOT, env: withBin() })
    const tarball = (await readdir(dir)).find(name => name.endsWith('.tgz'))
    if (tarball == null) {
      throw new Error('npm pack wrote no tarball')
    }
    const app = join(dir, 'app')
    await cp(resolve(ROOT, 'examples/dapp'), app, { recursive: true, filter: source => !/[/\\](node_modules|dist)$/.test(source) })
    await run('npm', ['install', join(dir, tarball), '--offline', '--no-audit', '--no-fund', '--silent'], { cwd: app, env: withBin() })
    await run('npm', ['run', 'build', '--silent'], { cwd: app, env: withBin() })
    const server = await serve(join(app, 'dist'))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      typecheck: async () => typecheckOutside(app),
      async stop () {
        server.closeAllConnections()
        await new Promise(resolve => { server.close(resolve) })
        await rm(dir, { recursive: true, force: true })
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

/**
 * Runs tsc on a copy of the installed app outside the repository: in it, a
 * package the tarball did not bring would be found in the repository's own
 * node_modules (module lookup climbs every parent folder) and hide the gap.
 */
async function typecheckOutside (app: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'edgeway-dapp-types-'))
  try {
    for (const name of ['src', 'node_modules', 'package.json', 'tsconfig.json', 'tsconfig.sw.json']) {
      await cp(join(app, name), join(dir, name), { recursive: true })
    }
    let output = ''
    for (const config of ['tsconfig.json', 'tsconfig.sw.json']) {
      output += await run(join(BIN, 'tsc'), ['-p', config], { cwd: dir }).then(({ stdout }) => stdout, (err: { stdout?: string, message: string }) => err.stdout ?? err.message)
    }
    return output
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** npm scripts run with the repository's Node and tools first on the PATH */
function withBin (): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ''}` }
}

/** A static server for the built dApp; `/` is its index.html */
async function serve (dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    serveStatic(dir, url.pathname, res).then(served => {
      if (!served) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
      }
    }, () => { res.destroy() })
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return server
}

import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
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

/**
 * Where a warm edge-function call's time goes, measured from a browser page
 * as P11 measures it: the same POST (total a JSON order) to
 *
 * - `plain`: a plain `node:http` handler doing the work itself (P11's anchor);
 * - `hop`: the same handler, which sends the answer to a worker thread that
 *   only sends it back (one round trip between threads, no sandbox);
 * - `pool`: the same handler, which runs the function module, with the
 *   request's headers, through the edge's `FunctionPool` in this process (a
 *   thread round trip and the QuickJS sandbox, no edge HTTP layer);
 * - `here`: an edge started in this process (`startEdge`), its `/fn/` URL
 *   (the edge's HTTP layer added);
 * - `edge`: an edge process started with `--functions`, its `/fn/` URL (the
 *   whole edge path, as P11's "plain fetch()" series calls it).
 *
 * The five are called in a random order each round, from one cross-origin
 * isolated page of an origin of its own (so every call is a cross-origin
 * one, as the edge's are), and timed to their response headers.
 * The differences between neighbours are what each layer adds: `hop` is the
 * floor of any design that runs functions off the edge's event loop, and
 * `edge` over `here` what it costs the edge to be a process of its own that
 * sleeps between calls (the plain handler and `here` share this process with
 * the browser's driver, which is awake around every call; a plain handler
 * in a small process of its own measured no slower).
 *
 *   node_modules/.bin/node bench/function-floor.ts [rounds]
 */
import { createServer } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { launchBrowser } from '../e2e/support/browser.ts'
import { spawnEdgeProcess } from '../edge/launcher/edge-process.ts'
import { FunctionPool } from '../edge/node/function-pool.ts'
import { startEdge } from '../edge/node/start-edge.ts'
import { ORDER_BODY, orderTotal, orderTotalFunction } from './support/function-work.ts'
import { median } from './support/stats.ts'
import type { AddressInfo } from 'node:net'

const ROUNDS = Number(process.argv[2] ?? 400)
const WARM_UP = 40
const PATHS = ['plain', 'hop', 'pool', 'here', 'edge'] as const

const dir = await mkdtemp(join(tmpdir(), 'edgeway-fn-floor-'))
const file = join(dir, 'order-total.js')
const source = orderTotalFunction()
await writeFile(file, source)
const edge = await spawnEdgeProcess(['--functions', `--serve=${file}`])
const echo = new Worker('require("node:worker_threads").parentPort.on("message", function (m) { this.postMessage(m) })', { eval: true })
const pool = new FunctionPool()
const here = await startEdge({ serve: [file], functions: true })

const answer = (res: import('node:http').ServerResponse, body: string | Uint8Array): void => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'access-control-allow-origin': '*' }).end(body)
}
// the page: cross-origin isolated, for performance.now() in 5 µs steps
const pageServer = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }).end('<!doctype html><title>function floor</title>')
})
const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    if (req.url === '/hop') {
      echo.once('message', (text: string) => { answer(res, text) })
      echo.postMessage(orderTotal(body.toString('utf8')))
    } else if (req.url === '/pool') {
      const headers: Array<[string, string]> = []
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        headers.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]])
      }
      pool.run('order-total', source, { method: 'POST', url: `http://${req.headers.host ?? ''}/total`, headers, body })
        .then(({ response }) => { answer(res, response.body) }, (err: Error) => { res.writeHead(500).end(err.message) })
    } else {
      answer(res, orderTotal(body.toString('utf8')))
    }
  })
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
await new Promise<void>(resolve => pageServer.listen(0, '127.0.0.1', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const browser = await launchBrowser()

try {
  const page = await browser.newPage()
  await page.goto(`http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`)
  if (!await page.evaluate(() => globalThis.crossOriginIsolated)) throw new Error('the page is not cross-origin isolated')
  const urls: Record<typeof PATHS[number], string> = {
    plain: `${base}/plain`,
    hop: `${base}/hop`,
    pool: `${base}/pool`,
    here: `${here.info.http}/fn/${here.info.roots[file]}/total`,
    edge: `${edge.info.http}/fn/${edge.info.roots[file]}/total`
  }
  const times = Object.fromEntries(PATHS.map(path => [path, [] as number[]])) as Record<typeof PATHS[number], number[]>
  for (let round = 0; round < WARM_UP + ROUNDS; round++) {
    for (const path of [...PATHS].sort(() => Math.random() - 0.5)) {
      // one evaluate per call, as P11 calls: the page's script is as cold as a dApp's between two user actions
      const ms = await page.evaluate(async ({ url, body }) => {
        const started = performance.now()
        const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' } })
        const ms = performance.now() - started
        if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`)
        await response.arrayBuffer()
        return ms
      }, { url: urls[path], body: ORDER_BODY })
      if (round >= WARM_UP) times[path].push(ms)
    }
  }
  const anchor = median(times.plain)
  console.log(`${ROUNDS} rounds, median time to response headers:`)
  for (const path of PATHS) {
    const ms = median(times[path])
    console.log(`  ${path.padEnd(6)} ${ms.toFixed(3)} ms  ${(ms / anchor).toFixed(2)}×  +${(ms - anchor).toFixed(3)} ms`)
  }
} finally {
  await browser.close()
  server.close()
  pageServer.close()
  await pool.close()
  await echo.terminate()
  await here.stop()
  await edge.stop()
  await rm(dir, { recursive: true, force: true })
}

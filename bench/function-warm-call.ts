/**
 * A probe until the bench's P11 measures functions through the SDK: the time
 * to first byte of a warm edge-function call vs a plain `node:http` handler
 * doing the same work (parse a JSON body, answer JSON), both on this machine
 * in one process, called one after another over keep-alive HTTP; and one cold
 * call (module read from the blockstore + evaluated) per run.
 *
 *   node_modules/.bin/node bench/function-warm-call.ts [calls]
 */
import { createServer } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { startEdge } from '../edge/node/start-edge.ts'
import { ORDER_BODY, orderTotal, orderTotalFunction } from './support/function-work.ts'
import type { AddressInfo } from 'node:net'

const CALLS = Number(process.argv[2] ?? 500)
const WARM_UP = 50

async function timeCall (url: string): Promise<{ ttfb: number, total: number, timing: string | null }> {
  const started = performance.now()
  const response = await fetch(url, { method: 'POST', body: ORDER_BODY, headers: { 'content-type': 'application/json' } })
  const ttfb = performance.now() - started
  await response.arrayBuffer()
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`)
  return { ttfb, total: performance.now() - started, timing: response.headers.get('server-timing') }
}

function summary (values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(3)
  return `median ${at(0.5)} ms, p90 ${at(0.9)} ms, min ${sorted[0].toFixed(3)} ms`
}

function median (values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
}

const dir = await mkdtemp(join(tmpdir(), 'edgeway-fn-bench-'))
const file = join(dir, 'order-total.js')
await writeFile(file, orderTotalFunction())
const edge = await startEdge({ serve: [file], functions: true })
const plain = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const body = orderTotal(Buffer.concat(chunks).toString('utf8'))
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body)
  })
})
await new Promise<void>(resolve => plain.listen(0, '127.0.0.1', resolve))

try {
  const fnUrl = `${edge.info.http}/fn/${edge.info.roots[file]}/total`
  const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/total`

  for (let i = 0; i < WARM_UP; i++) {
    await timeCall(fnUrl)
    await timeCall(plainUrl)
  }
  // cold, once the workers are up: a module the edge holds but has never evaluated
  const coldSource = orderTotalFunction(`cold ${Date.now()}`)
  const coldBytes = new TextEncoder().encode(coldSource)
  const coldCid = CID.createV1(raw.code, await sha256.digest(coldBytes))
  await edge.blockstore.put(coldCid, coldBytes)
  const cold = await timeCall(`${edge.info.http}/fn/${coldCid}/total`)

  const fn: number[] = []
  const fnTotal: number[] = []
  const base: number[] = []
  const run: number[] = []
  for (let i = 0; i < CALLS; i++) {
    // interleaved, so both see the same machine load
    const f = await timeCall(fnUrl)
    fn.push(f.ttfb)
    fnTotal.push(f.total)
    run.push(Number(/run;dur=([\d.]+)/.exec(f.timing ?? '')?.[1] ?? Number.NaN))
    base.push((await timeCall(plainUrl)).ttfb)
  }

  process.stdout.write([
    `calls: ${CALLS} each, after ${WARM_UP} warm-up; body ${ORDER_BODY.length} bytes`,
    `edge function, warm, TTFB: ${summary(fn)} (whole answer ${summary(fnTotal)})`,
    `  of which run in the sandbox (Server-Timing run): ${summary(run)}`,
    `plain node:http handler, TTFB: ${summary(base)}`,
    `ratio of medians (function / plain): ${(median(fn) / median(base)).toFixed(2)}x`,
    `cold call (read module + evaluate + run): TTFB ${cold.ttfb.toFixed(2)} ms; Server-Timing ${cold.timing}`
  ].join('\n') + '\n')
} finally {
  plain.close()
  await edge.stop()
  await rm(dir, { recursive: true, force: true })
}

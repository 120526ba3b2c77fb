import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FUNCTION_LIMITS } from './defaults.ts'
import { createFunctionSandbox } from './function-sandbox.ts'
import { loadQuickJSWasm } from './quickjs-wasm-node.ts'
import type { FunctionSandbox } from './function-sandbox.ts'
import type { FunctionRequest } from './types.ts'

/** Warm calls in a row: enough that a few MiB kept per call would fill a module's memory several times over */
const CALLS = 30

/**
 * What a warm module holds stays what one call needs: bodies, requests and
 * answers of earlier calls are freed as they go, not kept until the heap is full.
 */
describe('function sandbox memory across warm calls', () => {
  let sandbox: FunctionSandbox

  beforeAll(async () => {
    sandbox = await createFunctionSandbox({ wasm: await loadQuickJSWasm() })
  })

  afterAll(async () => {
    await sandbox?.close()
  })

  it('answers a fresh body near the response limit on every warm call', async () => {
    const size = FUNCTION_LIMITS.maxResponseBytes - 10
    const source = `export default async () => new Response(new Uint8Array(${size}).fill(65))`
    const request: FunctionRequest = { method: 'GET', url: 'http://edge.test/', headers: [], body: new Uint8Array(0) }
    const statuses: Array<number | string> = []
    for (let i = 0; i < CALLS; i++) {
      statuses.push(await sandbox.run('bafybigbody', source, request).then(({ response }) => response.body.byteLength === size ? response.status : 'short', (err: Error) => err.name))
    }
    expect(statuses).toEqual(new Array(CALLS).fill(200))
  })

  it('echoes a request body near its limit on every warm call', async () => {
    // not UTF-8 (a 0xff in it), so the function is handed the bytes as they came
    const body = new Uint8Array(1000 * 1024).fill(0xff)
    const source = 'export default async (request) => new Response(await request.arrayBuffer())'
    const request: FunctionRequest = { method: 'POST', url: 'http://edge.test/', headers: [], body }
    const statuses: Array<number | string> = []
    for (let i = 0; i < CALLS; i++) {
      statuses.push(await sandbox.run('bafyecho', source, request).then(({ response }) => response.body.byteLength === body.byteLength ? response.status : 'short', (err: Error) => err.name))
    }
    expect(statuses).toEqual(new Array(CALLS).fill(200))
  })

  it('answers on every warm call a function that leaves a large cycle of its own behind each time', async () => {
    // QuickJS frees a cycle only when its collector runs, which large but few allocations seldom start: such garbage
    // fills a warm module's memory in a few calls, and the call that finds it full is run again on a fresh instance
    const source = `export default async () => {
      const kept = { bytes: new Uint8Array(3 << 20).fill(1) }
      kept.self = kept
      return new Response(String(kept.bytes.length))
    }`
    const request: FunctionRequest = { method: 'GET', url: 'http://edge.test/', headers: [], body: new Uint8Array(0) }
    const statuses: Array<number | string> = []
    for (let i = 0; i < CALLS; i++) {
      statuses.push(await sandbox.run('bafycycles', source, request).then(({ response }) => response.status, (err: Error) => err.name))
    }
    expect(statuses).toEqual(new Array(CALLS).fill(200))
  })
})

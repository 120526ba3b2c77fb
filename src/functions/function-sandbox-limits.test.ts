import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createFunctionSandbox } from './function-sandbox.ts'
import { loadQuickJSWasm } from './quickjs-wasm-node.ts'
import type { FunctionSandbox } from './function-sandbox.ts'
import type { FunctionRequest } from './types.ts'

const decoder = new TextDecoder()

function get (path = '/'): FunctionRequest {
  return { method: 'GET', url: `http://edge.test${path}`, headers: [], body: new Uint8Array(0) }
}

let next = 0
function name (): string {
  return `bafylimits${next++}`
}

/** What a call answers, as a caller reads it: the body's text, or the error's name and message */
async function answer (sandbox: FunctionSandbox, cid: string, source: string, request: FunctionRequest): Promise<string> {
  return sandbox.run(cid, source, request).then(({ response }) => `${response.status} ${decoder.decode(response.body)}`, (err: Error) => `${err.name}: ${err.message}`)
}

describe('function sandbox at its limits', () => {
  let sandbox: FunctionSandbox
  /** What QuickJS's instances print, made before the sandbox: each binds `console.error` as it starts */
  const printed = vi.spyOn(console, 'error')

  beforeAll(async () => {
    sandbox = await createFunctionSandbox({ wasm: await loadQuickJSWasm(), limits: { timeoutMs: 1_000, memoryBytes: 8 * 1024 * 1024 } })
  })

  afterAll(async () => {
    await sandbox?.close()
    printed.mockRestore()
  })

  it('throws away a module that keeps its memory full, so its next call runs on a fresh one', async () => {
    // so full that QuickJS cannot make its own out-of-memory error, and throws null instead
    const cid = name()
    const source = `export default async (request) => {
      if (request.url.endsWith('/fill')) { globalThis.keep = new Map(); for (let i = 0; ; i++) keep.set(i, { i }) }
      return new Response('kept ' + (globalThis.keep?.size ?? 'nothing'))
    }`
    expect(await answer(sandbox, cid, source, get('/fill'))).toBe('FunctionMemoryError: the function used more than its 8 MiB memory limit')
    expect(sandbox.holds(cid)).toBe(false)
    expect(await answer(sandbox, cid, source, get())).toBe('200 kept nothing')
  })

  it('reports a function\'s own throw of null or undefined as a throw, and keeps the module', async () => {
    const cid = name()
    const source = `export default async (request) => {
      if (request.url.endsWith('/null')) throw null
      if (request.url.endsWith('/undefined')) return Promise.reject(undefined)
      return new Response('fine')
    }`
    expect(await answer(sandbox, cid, source, get('/null'))).toBe('FunctionThrewError: null')
    expect(await answer(sandbox, cid, source, get('/undefined'))).toBe('FunctionThrewError: undefined')
    expect(sandbox.holds(cid)).toBe(true)
    expect(await answer(sandbox, cid, source, get())).toBe('200 fine')
  })

  it('answers 504 for a function whose thrown error runs past the time limit while it is read', async () => {
    const source = 'export default async () => { throw { get name () { for (;;) {} }, message: "slow" } }'
    expect(await answer(sandbox, name(), source, get())).toBe('FunctionTimeoutError: the function ran over its 1000 ms time limit')
  })

  it('drops a module that hit its memory limit without QuickJS aborting on the host\'s console', async () => {
    printed.mockClear()
    const fills = [
      'const out = []; for (let i = 0; i < 5e6; i++) out.push(i & 255); return new Response("x")',
      'const out = []; await null; for (let i = 0; i < 5e6; i++) out.push(i & 255); return new Response("x")'
    ]
    for (const fill of fills) {
      for (let i = 0; i < 3; i++) {
        expect(await answer(sandbox, name(), `export default async () => { ${fill} }`, get())).toMatch(/^FunctionMemoryError/)
      }
    }
    await sandbox.close()
    sandbox = await createFunctionSandbox({ wasm: await loadQuickJSWasm(), limits: { timeoutMs: 1_000, memoryBytes: 8 * 1024 * 1024 } })
    expect(printed.mock.calls.map(args => args.join(' ')).filter(line => line.includes('Aborted'))).toEqual([])
  })

  it('lets go of a module that answered a body near the response limit without QuickJS aborting on the host\'s console', async () => {
    printed.mockClear()
    const cid = name()
    const source = 'export default async () => new Response(new Uint8Array(4_000_000).fill(65))'
    expect(await sandbox.run(cid, source, get()).then(({ response }) => response.body.byteLength)).toBe(4_000_000)
    sandbox.release(cid)
    expect(printed.mock.calls.map(args => args.join(' ')).filter(line => line.includes('Aborted'))).toEqual([])
  })
})

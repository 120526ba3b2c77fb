import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFunctionSandbox } from './function-sandbox.ts'
import { loadQuickJSWasm } from './quickjs-wasm-node.ts'
import type { FunctionSandbox } from './function-sandbox.ts'
import type { FunctionRequest } from './types.ts'

let next = 0

/**
 * The web globals as a function sees them, held to what `fetch()` and the
 * Fetch standard do with the same calls
 */
describe('web globals in the sandbox', () => {
  let sandbox: FunctionSandbox

  beforeAll(async () => {
    sandbox = await createFunctionSandbox({ wasm: await loadQuickJSWasm() })
  })

  afterAll(async () => {
    await sandbox?.close()
  })

  /** What `expression` (awaited, inside a function's call) is, as JSON; a throw as its name */
  async function evaluate (expression: string, request: FunctionRequest = { method: 'GET', url: 'http://edge.test/', headers: [], body: new Uint8Array(0) }): Promise<unknown> {
    const source = `export default async (request) => {
      try { return Response.json(await (async () => ${expression})()) } catch (err) { return Response.json({ threw: err.name }) }
    }`
    const { response } = await sandbox.run(`bafyglobals${next++}`, source, request)
    return JSON.parse(new TextDecoder().decode(response.body))
  }

  const post = (text: string): FunctionRequest => ({ method: 'POST', url: 'http://edge.test/', headers: [['content-type', 'application/json']], body: new TextEncoder().encode(text) })

  it('gives a Request the Content-Type fetch() gives its body', async () => {
    const type = (body: string, headers = '{}'): string => `new Request('http://a.test/', { method: 'POST', body: ${body}, headers: ${headers} }).headers.get('content-type')`
    expect(await evaluate(type('"x"'))).toBe('text/plain;charset=UTF-8')
    expect(await evaluate(type('new URLSearchParams({ a: "1" })'))).toBe('application/x-www-form-urlencoded;charset=UTF-8')
    expect(await evaluate(type('new Uint8Array(2)'))).toBe(null)
    expect(await evaluate(type('"x"', '{ "content-type": "application/json" }'))).toBe('application/json')
    expect(await evaluate('new Request("http://a.test/", { method: "POST", body: new URLSearchParams({ a: "x y" }) }).text()')).toBe('a=x+y')
  })

  it('makes a Request from another with its body, which the other then has used', async () => {
    expect(await evaluate('(async () => { const copy = new Request(request); return [await copy.text(), copy.headers.get("content-type"), request.bodyUsed] })()', post('{"a":1}')))
      .toEqual(['{"a":1}', 'application/json', true])
    expect(await evaluate('new Request(new Request("http://a.test/", { method: "POST", body: "payload" })).text()')).toBe('payload')
    // the new body wins, and the other's stays its own
    expect(await evaluate('(async () => { const copy = new Request(request, { body: "new" }); return [await copy.text(), await request.text()] })()', post('old')))
      .toEqual(['new', 'old'])
  })

  it('refuses a Request from another whose body is used, or a GET that would inherit a body', async () => {
    expect(await evaluate('(async () => { await request.text(); return new Request(request) })()', post('x'))).toEqual({ threw: 'TypeError' })
    expect(await evaluate('new Request(request, { method: "GET" })', post('x'))).toEqual({ threw: 'TypeError' })
    // a GET has no body to pass on
    expect(await evaluate('(async () => { const copy = new Request(request); return [await copy.text(), request.bodyUsed] })()')).toEqual(['', false])
  })
})

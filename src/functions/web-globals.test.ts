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

  it('reads a null body as often as asked, and never counts it used', async () => {
    expect(await evaluate('(async () => [await request.text(), await request.text(), (await request.arrayBuffer()).byteLength, request.bodyUsed])()')).toEqual(['', '', 0, false])
    expect(await evaluate('(async () => { const response = new Response(null); return [await response.text(), await response.text(), response.bodyUsed] })()')).toEqual(['', '', false])
  })

  it('strips a byte order mark from text and JSON, as UTF-8 decoding does, and keeps it in the bytes', async () => {
    const withBom = (text: string): FunctionRequest => ({ method: 'POST', url: 'http://edge.test/', headers: [], body: new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]) })
    expect(await evaluate('request.json()', withBom('{"a":1}'))).toEqual({ a: 1 })
    expect(await evaluate('request.text()', withBom('x'))).toBe('x')
    expect(await evaluate('request.arrayBuffer().then(b => b.byteLength)', withBom('x'))).toBe(4)
    // a body with a NUL reaches the function as bytes
    expect(await evaluate('request.text()', withBom('a\0b'))).toBe('a\0b')
    expect(await evaluate('new Response("\\ufeffx").text()')).toBe('x')
    expect(await evaluate('[new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])).length]')).toEqual(['A', 2])
  })

  it('decodes and encodes UTF-8 as the Encoding standard does, bad sequences and lone surrogates too', async () => {
    const bad = [[0xed, 0xa0, 0x80, 0x41], [0xf0, 0x80, 0x80, 0x41], [0xe0, 0x80], [0xc0, 0xaf, 0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98, 0x80, 0xff, 0xc3, 0xa9]]
    expect(await evaluate(`${JSON.stringify(bad)}.map(bytes => new TextDecoder().decode(new Uint8Array(bytes)))`)).toEqual(bad.map(bytes => new TextDecoder().decode(new Uint8Array(bytes))))
    const texts = ['a\ud800b', '\udc00', 'é日😀', 'x\ud83d']
    expect(await evaluate(`${JSON.stringify(texts)}.map(text => [...new TextEncoder().encode(text)])`)).toEqual(texts.map(text => [...new TextEncoder().encode(text)]))
  })
})

/**
 * The steps with logic of their own, each on a ContentRequest of its own:
 * what a step answers (status, typed error, headers) and what it leaves for
 * the next. The whole way, against a real edge, is in ../fetch-content*.test.ts.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG } from '../../lib/config.ts'
import { SourceTimeoutError } from '../../lib/errors.ts'
import { parseGatewayPath } from '../../lib/parse-gateway-url.ts'
import { RequestState } from '../../lib/request-state.ts'
import { SmallSites } from '../small-site.ts'
import { ContentRequest } from '../content-request.ts'
import { MAX_RULES_PER_REQUEST } from '../gateway/site-redirect.ts'
import { instrument } from './instrument.ts'
import { preflight } from './preflight.ts'
import { simpleRange } from './resolve-file.ts'
import { runSteps } from './index.ts'
import { siteRedirectStep } from './site-redirect.ts'
import type { ContentFetcherComponents, ContentFetchInit } from '../content-fetcher.ts'
import type { ContentStep } from './index.ts'
import type { SourceCounts } from '../../lib/types.ts'

const CONTENT = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('a block')))

const requests: ContentRequest[] = []

afterEach(() => {
  // every request's idle watchdog is stopped, so no timer outlives its test
  requests.splice(0).forEach(request => { request.finish() })
})

/** The node as a step sees it: only the local store's `has` answers; anything else a step must not touch. */
function components (stored: CID[] = []): ContentFetcherComponents {
  const untouched = new Proxy({}, { get: (_target, name) => { throw new Error(`a step used ${String(name)}`) } })
  return {
    config: { ...DEFAULT_CONFIG, timeoutMs: 5_000 },
    edgePeers: new Set<string>(),
    local: Object.assign(Object.create(untouched), { has: async (cid: CID) => stored.some(held => held.equals(cid)) }),
    helia: untouched,
    verifiedFetch: untouched,
    cars: untouched,
    names: untouched,
    carRates: untouched,
    peersListed: async () => false
  } as unknown as ContentFetcherComponents
}

function requestFor (path: string, init: ContentFetchInit = {}, options: { stored?: CID[], rules?: number, follow?: ContentRequest['follow'] } = {}): ContentRequest {
  const [pathname, search = ''] = path.split('?')
  const address = parseGatewayPath(pathname, search === '' ? '' : `?${search}`)
  if (address == null) {
    throw new Error(`not a content path: ${path}`)
  }
  const parts = components(options.stored)
  const request = new ContentRequest(parts, address, init, {
    rules: options.rules ?? 0,
    sites: new SmallSites(parts),
    follow: options.follow ?? (async () => { throw new Error('not followed in this test') })
  })
  requests.push(request)
  return request
}

async function errorName (response: Response): Promise<string | undefined> {
  return (await response.json() as { error?: string }).error
}

describe('preflight', () => {
  it('answers an unknown ?format= with a 400 before any block is asked for, and reports the request done', async () => {
    const done: SourceCounts[] = []
    const request = requestFor(`/ipfs/${CONTENT.toString()}?format=zip`, { headers: new Headers({ accept: 'application/json' }), onDone: counts => { done.push(counts) } })
    const answer = await preflight.run(request)
    expect(answer?.status).toBe(400)
    expect(await errorName(answer as Response)).toBe('InvalidRequestError')
    expect(done).toEqual([{ cache: 0, edge: 0, peer: 0 }])
  })

  it('answers a malformed Range with a 416', async () => {
    const answer = await preflight.run(requestFor(`/ipfs/${CONTENT.toString()}`, { headers: new Headers({ range: 'lines=1-2' }) }))
    expect(answer?.status).toBe(416)
  })

  it('answers only-if-cached with a 412 when the root is not in the store, and goes on when it is', async () => {
    const offline = { headers: new Headers({ 'cache-control': 'only-if-cached' }) }
    expect((await preflight.run(requestFor(`/ipfs/${CONTENT.toString()}`, offline)))?.status).toBe(412)
    const stored = requestFor(`/ipfs/${CONTENT.toString()}`, offline, { stored: [CONTENT] })
    expect(await preflight.run(stored)).toBeUndefined()
    expect(stored.offline).toBe(true)
  })

  it('sets the Accept verified-fetch sees to what ?format= means', async () => {
    const request = requestFor(`/ipfs/${CONTENT.toString()}?format=car&car-dups=y`)
    expect(await preflight.run(request)).toBeUndefined()
    expect(request.headers.get('accept')).toBe('application/vnd.ipld.car; dups=y')
  })
})

describe('site-redirect', () => {
  it('applies no rule once a request came from one (a rewrite target is never rewritten again)', async () => {
    const followed: string[] = []
    const follow: ContentRequest['follow'] = async (address) => { followed.push(address.path); return new Response('/missing /other 200') }
    const first = requestFor(`/ipfs/${CONTENT.toString()}/missing`, { originRoot: true }, { follow })
    first.response = new Response('not found', { status: 404 })
    const deeper = requestFor(`/ipfs/${CONTENT.toString()}/missing`, { originRoot: true }, { follow, rules: MAX_RULES_PER_REQUEST })
    deeper.response = new Response('not found', { status: 404 })
    expect(await siteRedirectStep.run(deeper)).toBeUndefined()
    expect(followed).toEqual([])
    const answer = await siteRedirectStep.run(first)
    // the file, then the rule's target, each asked for as a request of its own
    expect(followed).toEqual(['/_redirects', '/other'])
    expect(answer?.status).toBe(200)
  })

  it('leaves a 404 alone off the site\'s own origin', async () => {
    const request = requestFor(`/ipfs/${CONTENT.toString()}/missing`)
    request.response = new Response(null, { status: 404 })
    expect(await siteRedirectStep.run(request)).toBeUndefined()
  })
})

describe('instrument', () => {
  it('sets the counts and timing on the response itself, and finishes the request when its body is read', async () => {
    const done: SourceCounts[] = []
    const request = requestFor(`/ipfs/${CONTENT.toString()}/a.txt`, { onDone: counts => { done.push(counts) } })
    const chunks = ['one ', 'two']
    request.response = new Response(new ReadableStream<Uint8Array>({
      pull (controller) {
        const chunk = chunks.shift()
        if (chunk == null) controller.close()
        else controller.enqueue(new TextEncoder().encode(chunk))
      }
    }), { headers: { etag: '"x"' } })
    const answer = await instrument.run(request) as Response
    expect(answer.headers.get('x-edgeway-source')).toBe('cache=0, edge=0, peer=0')
    expect(answer.headers.get('server-timing')).toMatch(/^edgeway;desc="first byte";dur=\d/)
    expect(answer.headers.get('x-ipfs-path')).toBe(`/ipfs/${CONTENT.toString()}/a.txt`)
    expect(answer.headers.get('etag')).toBe('"x"')
    // the first bytes were read before the answer; the request ends with its body
    expect(done).toEqual([])
    expect(await answer.text()).toBe('one two')
    expect(done).toHaveLength(1)
  })

  it('answers a body the file plugin watches as it is, and the error its first read met instead of it', async () => {
    const request = requestFor(`/ipfs/${CONTENT.toString()}`)
    request.state = new RequestState({ root: CONTENT, body: request.bodyWatch })
    const body = new Response('bytes')
    request.state.answer = { response: body }
    request.response = body
    expect(await instrument.run(request)).toBe(body)

    const failing = requestFor(`/ipfs/${CONTENT.toString()}`, { headers: new Headers({ accept: 'application/json' }) })
    failing.state = new RequestState({ root: CONTENT, body: failing.bodyWatch })
    failing.response = new Response(new ReadableStream())
    failing.state.answer = { response: failing.response, failed: new SourceTimeoutError('the edge went silent') }
    const answer = await instrument.run(failing) as Response
    expect(answer.status).toBe(504)
    expect(await errorName(answer)).toBe('SourceTimeoutError')
    expect(answer.headers.get('x-edgeway-source')).toBe('cache=0, edge=0, peer=0')
  })
})

describe('runSteps', () => {
  it('answers why once no source made progress, whatever the step that was waiting threw', async () => {
    const request = requestFor(`/ipfs/${CONTENT.toString()}`, { headers: new Headers({ accept: 'application/json' }) })
    const stalled: ContentStep = {
      name: 'stalled',
      async run (stalling) {
        stalling.watchdog.abort(new Error('idle'))
        throw new Error('aborted while waiting for a block')
      }
    }
    const answer = await runSteps(request, [stalled])
    expect(answer.status).toBe(504)
    expect(await errorName(answer)).toBe('SourceTimeoutError')
  })

  it('stops at the first step that answers', async () => {
    const ran: string[] = []
    const step = (name: string, answer?: Response): ContentStep => ({ name, async run () { ran.push(name); return answer } })
    const answer = await runSteps(requestFor(`/ipfs/${CONTENT.toString()}`), [step('a'), step('b', new Response('b')), step('c')])
    expect(await answer.text()).toBe('b')
    expect(ran).toEqual(['a', 'b'])
  })
})

describe('simpleRange', () => {
  it('is the bytes to fetch for one first-last or first- range, and nothing for the rest', () => {
    expect(simpleRange('bytes=0-99')).toEqual({ from: 0, to: 99 })
    expect(simpleRange('bytes=100-')).toEqual({ from: 100, to: '*' })
    expect(simpleRange('bytes=-100')).toBeUndefined()
    expect(simpleRange('bytes=0-1,5-6')).toBeUndefined()
    expect(simpleRange('bytes=9-1')).toBeUndefined()
    expect(simpleRange(null)).toBeUndefined()
  })
})

import { describe, expect, it } from 'vitest'
import { MAX_ROUTING_ANSWER_BYTES, readRoutingAnswer } from './routing-answer.ts'

const RECORD = { Schema: 'peer', ID: '12D3KooWPeer', Addrs: ['/ip4/127.0.0.1/tcp/1/ws'], Protocols: ['transport-bitswap'] }

/** A body of `chunks` chunks, counting how many the reader pulled */
function streamed (chunk: Uint8Array, chunks: number): { response: Response, pulled: () => number } {
  let pulled = 0
  const body = new ReadableStream<Uint8Array>({
    pull (controller) {
      pulled++
      pulled > chunks ? controller.close() : controller.enqueue(chunk)
    }
  })
  return { response: new Response(body), pulled: () => pulled }
}

describe('readRoutingAnswer', () => {
  it('reads the well-formed records of an answer', async () => {
    const answer = { Providers: [RECORD, { ID: 5 }, { ID: 'x', Addrs: [1] }, null] }
    expect(await readRoutingAnswer(new Response(JSON.stringify(answer)))).toEqual([RECORD])
    expect(await readRoutingAnswer(new Response('{}'))).toEqual([])
  })

  it('throws RoutingAnswerTooLargeError past the cap, after reading no more than the cap (finding 9)', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024))
    // 20 MB of whitespace: valid JSON around it would parse, were it read whole
    const { response, pulled } = streamed(chunk, 1280)
    await expect(readRoutingAnswer(response)).rejects.toMatchObject({ name: 'RoutingAnswerTooLargeError' })
    expect(pulled() * chunk.byteLength).toBeLessThanOrEqual(MAX_ROUTING_ANSWER_BYTES + 2 * chunk.byteLength)
  })

  it('refuses an answer that declares more than the cap before reading any of it', async () => {
    const { response, pulled } = streamed(new Uint8Array(1024), 10)
    const declared = new Response(response.body, { headers: { 'Content-Length': String(MAX_ROUTING_ANSWER_BYTES + 1) } })
    await expect(readRoutingAnswer(declared)).rejects.toMatchObject({ name: 'RoutingAnswerTooLargeError' })
    expect(pulled()).toBeLessThanOrEqual(1)
  })
})

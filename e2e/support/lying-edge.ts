import { createServer, request } from 'node:http'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { concat } from 'uint8arrays/concat'
import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LyingEdge {
  url: string
  /** How many block requests it answered with wrong bytes */
  lies(): number
  stop(): Promise<void>
}

/**
 * An HTTP edge that answers every raw-block request with bytes that are not
 * the block: what a compromised or broken edge looks like to a browser.
 */
export async function startLyingEdge (forge: (cid: string) => Uint8Array): Promise<LyingEdge> {
  let lies = 0
  const server = createServer((req, res) => {
    const cid = /^\/ipfs\/([^/?]+)/.exec(req.url ?? '')?.[1]
    if (cid == null) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
      return
    }
    lies++
    const body = forge(cid)
    res.writeHead(200, {
      'Content-Type': 'application/vnd.ipld.raw',
      'Content-Length': String(body.byteLength),
      'Access-Control-Allow-Origin': '*'
    }).end(body)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lies: () => lies,
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

/**
 * What a hostile or broken edge does to a response (raw block or CAR):
 * - `honest`: relays the real edge unchanged
 * - `flip-bit`: one bit flipped inside a block (for a CAR, the middle block: the blocks before it are genuine)
 * - `other-block`: a different, valid block (the decoy) where the block was (for a CAR, in place of the middle one)
 * - `truncate`: the first half of the bytes, then a clean end
 * - `pad`: garbage appended after the last byte
 * - `extra-blocks`: the decoy sent as well (for a CAR, as unrequested sections after the header and at the end;
 *   for a raw block, appended)
 * - `stall-after-headers`: a 200 and its headers, then nothing, forever
 * - `stall-silent`: nothing at all, not even headers, forever
 * - `status-500`: an HTTP 500
 * - `drop`: relays, then drops the connection after `afterBytes` of the body (what a killed edge looks like)
 * - `stall-midway`: relays, then after `afterBytes` sends nothing more, forever, the connection left open
 */
export type Hostility = 'honest' | 'flip-bit' | 'other-block' | 'truncate' | 'pad' | 'extra-blocks' | 'stall-after-headers' | 'stall-silent' | 'status-500' | 'drop' | 'stall-midway'

export interface HostileBehaviour {
  raw: Hostility
  car: Hostility
  /**
   * For `drop` and `stall-midway`: body bytes relayed first
   *
   * @default 1048576
   */
  afterBytes?: number
}

export interface HostileEdge {
  url: string
  /** The block `other-block` and `extra-blocks` send: valid (it matches its CID), and in no DAG anyone asked for */
  decoy: { cid: CID, bytes: Uint8Array }
  /** Changes what it does from the next request on */
  behave(behaviour: HostileBehaviour): void
  /** Responses it answered other than honestly, by kind, since the last `behave` */
  hostile(): { raw: number, car: number }
  stop(): Promise<void>
}

const GARBAGE = new Uint8Array(97).fill(0xff)

/**
 * An edge that relays a real edge's trustless gateway and misbehaves as told,
 * for raw-block and CAR requests separately. It answers `/info` with 404 (so a
 * launcher knows it by its URL alone and learns no honest multiaddrs from it)
 * and every other path (routing, DNS) with 404.
 */
export async function startHostileEdge (target: string, behaviour: HostileBehaviour): Promise<HostileEdge> {
  const decoyBytes = new TextEncoder().encode(`a valid block, in no DAG that was asked for ${Math.random()}\n`)
  const decoy = { cid: CID.createV1(raw.code, await sha256Hasher.digest(decoyBytes)), bytes: decoyBytes }
  let current = behaviour
  let counts = { raw: 0, car: 0 }
  const stalled = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    if (!/^\/ipfs\//.test(req.url ?? '')) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
      return
    }
    const kind = /[?&]format=car\b/.test(req.url ?? '') || (req.headers.accept ?? '').includes('vnd.ipld.car') ? 'car' : 'raw'
    const mode = current[kind]
    if (mode !== 'honest') counts[kind]++
    if (mode === 'status-500') {
      res.writeHead(500, { 'Access-Control-Allow-Origin': '*' }).end('internal error')
      return
    }
    if (mode === 'stall-silent' || mode === 'stall-after-headers') {
      stalled.add(res)
      if (mode === 'stall-after-headers') {
        res.writeHead(200, { 'Content-Type': kind === 'car' ? 'application/vnd.ipld.car; version=1' : 'application/vnd.ipld.raw', 'Access-Control-Allow-Origin': '*' })
        res.flushHeaders()
      }
      return
    }
    const afterBytes = current.afterBytes ?? 1024 * 1024
    const upstream = request(`${target}${req.url ?? ''}`, { method: req.method, headers: req.headers }, up => {
      const headers = { ...up.headers }
      const midway = mode === 'drop' || mode === 'stall-midway'
      // sent as they come, so the answer is as prompt as the real edge's: only the end (and a CAR's header) changes
      const appending = mode === 'pad' || mode === 'extra-blocks'
      if (mode !== 'honest' && !midway) delete headers['content-length']
      res.writeHead(up.statusCode ?? 502, headers)
      if (mode === 'honest' || midway || appending || up.statusCode !== 200) {
        let seen = 0
        const extra = kind === 'car' ? section(decoy.cid, decoy.bytes) : decoy.bytes
        up.on('data', (chunk: Buffer) => {
          if (mode === 'extra-blocks' && kind === 'car' && seen === 0) {
            // an unrequested block right after the header, before any block asked for
            const [length, read] = varint.decode(chunk)
            if (chunk.byteLength >= read + length) {
              seen += chunk.byteLength
              res.write(concat([chunk.subarray(0, read + length), extra, chunk.subarray(read + length)]))
              return
            }
          }
          if (midway && seen + chunk.byteLength > afterBytes) {
            res.write(chunk.subarray(0, afterBytes - seen))
            seen = afterBytes
            up.destroy()
            if (mode === 'drop') res.destroy()
            else stalled.add(res)
            return
          }
          seen += chunk.byteLength
          res.write(chunk)
        })
        up.on('end', () => {
          if (up.statusCode === 200 && appending) res.write(mode === 'pad' ? GARBAGE : extra)
          res.end()
        })
        up.on('error', () => { if (!stalled.has(res)) res.destroy() })
        return
      }
      const chunks: Buffer[] = []
      up.on('data', (chunk: Buffer) => { chunks.push(chunk) })
      up.on('end', () => {
        const body = new Uint8Array(Buffer.concat(chunks))
        res.end(kind === 'car' ? misbehaveCar(body, mode, decoy) : misbehaveRaw(body, mode, decoy))
      })
      up.on('error', () => { res.destroy() })
    })
    upstream.on('error', () => { res.destroy() })
    req.pipe(upstream)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    decoy,
    behave (next) {
      current = next
      counts = { raw: 0, car: 0 }
    },
    hostile: () => ({ ...counts }),
    async stop () {
      stalled.forEach(res => res.destroy())
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

function misbehaveRaw (block: Uint8Array, mode: Hostility, decoy: { bytes: Uint8Array }): Uint8Array {
  switch (mode) {
    case 'flip-bit': return flipBit(block, Math.floor(block.byteLength / 2))
    case 'other-block': return decoy.bytes
    case 'truncate': return block.subarray(0, Math.floor(block.byteLength / 2))
    default: throw new Error(`no raw-block behaviour ${mode}`)
  }
}

function misbehaveCar (car: Uint8Array, mode: Hostility, decoy: { cid: CID, bytes: Uint8Array }): Uint8Array {
  const { header, sections } = splitCar(car)
  const middle = Math.floor(sections.length / 2)
  const decoySection = section(decoy.cid, decoy.bytes)
  switch (mode) {
    // the last byte of a section is the last byte of its block
    case 'flip-bit': return concat([header, ...sections.map((s, i) => i === middle ? flipBit(s, s.byteLength - 1) : s)])
    case 'other-block': return concat([header, ...sections.map((s, i) => i === middle ? decoySection : s)])
    case 'truncate': return car.subarray(0, Math.floor(car.byteLength / 2))
    default: throw new Error(`no CAR behaviour ${mode}`)
  }
}

/** A CARv1 as its header and its sections, each with its length prefix. */
function splitCar (car: Uint8Array): { header: Uint8Array, sections: Uint8Array[] } {
  const sections: Uint8Array[] = []
  const [headerLength, headerVarint] = varint.decode(car)
  let offset = headerVarint + headerLength
  const header = car.subarray(0, offset)
  while (offset < car.byteLength) {
    const [length, read] = varint.decode(car.subarray(offset))
    sections.push(car.subarray(offset, offset + read + length))
    offset += read + length
  }
  return { header, sections }
}

function section (cid: CID, bytes: Uint8Array): Uint8Array {
  return concat([varint.encodeTo(cid.bytes.byteLength + bytes.byteLength, new Uint8Array(varint.encodingLength(cid.bytes.byteLength + bytes.byteLength))), cid.bytes, bytes])
}

function flipBit (bytes: Uint8Array, at: number): Uint8Array {
  const copy = new Uint8Array(bytes)
  copy[at] ^= 0x01
  return copy
}

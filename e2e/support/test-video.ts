import { existsSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeWebm } from './webm-writer.ts'
import type { EncodedFrame } from './webm-writer.ts'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'

/** Bump when the video changes, so a cached file from an older generator is not used. */
const GENERATOR_VERSION = 1

export interface TestVideoOptions {
  /** Encoding stops at the first keyframe after this many bytes */
  targetBytes: number
  /** @default 640 */
  width?: number
  /** @default 360 */
  height?: number
  /** @default 10 */
  fps?: number
  /** A keyframe (and so a Cluster and a seek point) every this many frames @default fps */
  keyframeInterval?: number
}

export interface TestVideo {
  path: string
  bytes: number
  durationSeconds: number
  /** Seconds between seek points */
  keyframeSeconds: number
}

/**
 * A real, seekable VP8 WebM of about `targetBytes`, cached under the system's
 * temporary folder (keyed by the generator's version and the options), so
 * only the first run on a machine pays for it. The frames are noise, which a
 * codec cannot compress, so the file gets large at a short duration; they are
 * encoded by WebCodecs in `browser` (no ffmpeg, nothing downloaded) and muxed
 * by webm-writer.ts.
 */
export async function testVideo (browser: Browser, options: TestVideoOptions): Promise<TestVideo> {
  const { targetBytes, width = 640, height = 360, fps = 10, keyframeInterval = fps } = options
  const path = join(tmpdir(), `edgeway-e2e-video-v${GENERATOR_VERSION}-${width}x${height}-${fps}fps-k${keyframeInterval}-${targetBytes}.webm`)
  const factsPath = `${path}.json`
  if (existsSync(path) && existsSync(factsPath)) {
    return JSON.parse(await readFile(factsPath, 'utf8')) as TestVideo
  }
  const frames = await encodeNoise(browser, { targetBytes, width, height, fps, keyframeInterval })
  const frameDurationMs = 1000 / fps
  const parts = writeWebm({ codecId: 'V_VP8', width, height, frameDurationMs, frames })
  const video: TestVideo = {
    path,
    bytes: parts.reduce((n, part) => n + part.byteLength, 0),
    durationSeconds: frames.length / fps,
    keyframeSeconds: keyframeInterval / fps
  }
  // written whole or not at all: a run stopped halfway must not leave a truncated file to be reused
  await writeFile(`${path}.partial`, parts)
  await rename(`${path}.partial`, path)
  await writeFile(factsPath, JSON.stringify(video))
  return video
}

type EncodeOptions = Required<TestVideoOptions>

/**
 * Encodes frames of noise with the browser's VP8 encoder until `targetBytes`.
 * WebCodecs needs a secure context, so the page is served from loopback; the
 * page posts the frames back as records: float64 timestamp (µs), uint8
 * keyframe flag, uint32 length, then the bytes.
 */
async function encodeNoise (browser: Browser, options: EncodeOptions): Promise<EncodedFrame[]> {
  let posted: Promise<Buffer> | undefined
  const server = createServer((req, res) => {
    if (req.method === 'POST') {
      posted = (async () => {
        const chunks: Buffer[] = []
        for await (const chunk of req) chunks.push(chunk as Buffer)
        res.end()
        return Buffer.concat(chunks)
      })()
      return
    }
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>encoder</title>')
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    await page.evaluate(encodeInPage, options)
    return parseRecords(await posted!)
  } finally {
    await context.close()
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  }
}

/** Runs in the page: no closure over anything in this module. */
async function encodeInPage ({ targetBytes, width, height, fps, keyframeInterval }: EncodeOptions): Promise<void> {
  const records: BlobPart[] = []
  let total = 0
  let failure: Error | undefined
  const encoder = new VideoEncoder({
    output: chunk => {
      const head = new DataView(new ArrayBuffer(13))
      head.setFloat64(0, chunk.timestamp)
      head.setUint8(8, chunk.type === 'key' ? 1 : 0)
      head.setUint32(9, chunk.byteLength)
      const data = new Uint8Array(chunk.byteLength)
      chunk.copyTo(data)
      records.push(head.buffer, data)
      total += chunk.byteLength
    },
    error: err => { failure = err }
  })
  // on noise the encoder overshoots any bitrate several times over: this one makes about 0.8 MiB a second of
  // 640x360 at 10 fps, so 50 MiB is about 65 s of video, encoded in 10-15 s on two busy cores
  encoder.configure({ codec: 'vp8', width, height, framerate: fps, bitrate: 3_000_000, bitrateMode: 'constant', latencyMode: 'realtime' })
  const pixels = new Uint8Array(width * height * 3 / 2)
  const words = new Uint32Array(pixels.buffer)
  let seed = 0x9E3779B9
  const frameUs = 1_000_000 / fps
  for (let i = 0; failure == null && (i % keyframeInterval !== 0 || total < targetBytes); i++) {
    if (i > 100_000) throw new Error('the encoder produces too few bytes')
    for (let j = 0; j < words.length; j++) {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      words[j] = seed
    }
    const frame = new VideoFrame(pixels, { format: 'I420', codedWidth: width, codedHeight: height, timestamp: Math.round(i * frameUs), duration: Math.round(frameUs) })
    encoder.encode(frame, { keyFrame: i % keyframeInterval === 0 })
    frame.close()
    if (i % keyframeInterval === keyframeInterval - 1) {
      // the size is checked where a Cluster ends, once every output is in
      await encoder.flush()
    }
  }
  await encoder.flush()
  encoder.close()
  if (failure != null) throw failure
  await fetch('/frames', { method: 'POST', body: new Blob(records) })
}

function parseRecords (bytes: Buffer): EncodedFrame[] {
  const frames: EncodedFrame[] = []
  for (let at = 0; at < bytes.byteLength;) {
    const timestampUs = bytes.readDoubleBE(at)
    const key = bytes.readUInt8(at + 8) === 1
    const length = bytes.readUInt32BE(at + 9)
    frames.push({ timestampMs: Math.round(timestampUs / 1000), key, data: bytes.subarray(at + 13, at + 13 + length) })
    at += 13 + length
  }
  return frames
}

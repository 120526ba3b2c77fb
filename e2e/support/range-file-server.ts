import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RangeFileServer {
  /** A blank page on the same origin as the file */
  url: string
  /** The file's URL */
  fileUrl: string
  /** The Range headers asked for so far, in order (`-` for none) */
  ranges(): string[]
  stop(): Promise<void>
}

/**
 * One file over plain HTTP on loopback, with single byte ranges (206) the way
 * a static web server answers them: what a browser plays media from without
 * Edgeway.
 */
export async function startRangeFileServer (path: string, contentType: string): Promise<RangeFileServer> {
  const { size } = await stat(path)
  const ranges: string[] = []
  const server = createServer((req, res) => {
    if (req.url !== '/file') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>plain</title><body></body>')
      return
    }
    const range = req.headers.range
    ranges.push(range ?? '-')
    const match = /^bytes=(\d*)-(\d*)$/.exec(range ?? '')
    let start = 0
    let end = size - 1
    if (match != null) {
      start = match[1] === '' ? Math.max(0, size - Number(match[2])) : Number(match[1])
      end = match[1] !== '' && match[2] !== '' ? Math.min(Number(match[2]), size - 1) : size - 1
      if (start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end()
        return
      }
    }
    res.writeHead(match == null ? 200 : 206, {
      'Content-Type': contentType,
      'Accept-Ranges': 'bytes',
      'Content-Length': String(end - start + 1),
      'Cache-Control': 'no-store',
      ...(match == null ? {} : { 'Content-Range': `bytes ${start}-${end}/${size}` })
    })
    createReadStream(path, { start, end }).pipe(res)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: `${url}/`,
    fileUrl: `${url}/file`,
    ranges: () => [...ranges],
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

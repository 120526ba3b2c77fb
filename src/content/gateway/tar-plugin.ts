import * as dagPb from '@ipld/dag-pb'
import { exporter, recursive } from 'ipfs-unixfs-exporter'
import { pack } from 'it-tar'
import * as raw from 'multiformats/codecs/raw'
import type { PluginContext, VerifiedFetchPlugin, VerifiedFetchPluginFactory } from '@helia/verified-fetch'
import type { AbortOptions } from '@libp2p/interface'
import type { TarImportCandidate } from 'it-tar'
import type { CID } from 'multiformats/cid'

const MEDIA_TYPE_TAR = 'application/x-tar'

/**
 * `?format=tar` for UnixFS files and directories. Entry names are resolved
 * before anything is sent: a name with `..` that stays inside the archive
 * root is written in its resolved form, and one that climbs out of it fails
 * the whole request (400) — an archive from a gateway must never write
 * outside the folder it is unpacked into.
 */
export function tarPlugin (): VerifiedFetchPluginFactory {
  return () => new TarPlugin()
}

class TarPlugin implements VerifiedFetchPlugin {
  // the same id as verified-fetch's own, which this replaces
  readonly id = 'tar-plugin'

  canHandle ({ accept }: PluginContext): boolean {
    return accept.some(header => header.contentType.mediaType === MEDIA_TYPE_TAR)
  }

  async handle (context: PluginContext): Promise<Response> {
    const { terminalElement, blockstore } = context
    if (terminalElement.cid.code !== dagPb.code && terminalElement.cid.code !== raw.code) {
      return plain(400, 'Only UnixFS files and directories can be returned as a TAR archive')
    }
    if (context.range != null) {
      return plain(400, 'Range requests are not supported for TAR archives')
    }
    const root = await exporter(terminalElement.cid, blockstore, context)
    // every name first: a bad one must fail the request before any byte is sent
    const entries: Array<{ cid: CID, name: string }> = []
    const walk = root.type === 'directory' ? recursive(root.cid, blockstore, context) : [root]
    for await (const entry of walk) {
      const name = insideRoot(entry === root ? terminalElement.cid.toString() : entry.path)
      if (name == null) {
        return plain(400, `The archive entry "${entry.path}" would be written outside the archive's root folder`)
      }
      entries.push({ cid: entry.cid, name })
    }
    const filename = context.url.searchParams.get('filename') ?? `${terminalElement.cid.toString()}.tar`
    return new Response(toStream(pack()(candidates(entries, blockstore, context))), {
      headers: {
        'content-type': MEDIA_TYPE_TAR,
        'content-disposition': `attachment; filename="${filename.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`,
        'accept-ranges': 'none'
      }
    })
  }
}

async function * candidates (entries: Array<{ cid: CID, name: string }>, blockstore: PluginContext['blockstore'], options: AbortOptions): AsyncGenerator<TarImportCandidate> {
  for (const { cid, name } of entries) {
    const entry = await exporter(cid, blockstore, options)
    const mtime = (entry.type === 'file' || entry.type === 'directory') && entry.unixfs.mtime != null
      ? new Date(Number(entry.unixfs.mtime.secs * 1000n))
      : undefined
    const mode = entry.type === 'file' || entry.type === 'directory' ? entry.unixfs.mode : undefined
    if (entry.type === 'directory') {
      yield { header: { name, type: 'directory', mode, mtime, size: 0 } }
    } else if (entry.type === 'file' || entry.type === 'raw' || entry.type === 'identity') {
      yield { header: { name, type: 'file', mode, mtime, size: Number(entry.size) }, body: entry.content() }
    }
  }
}

/** The entry's path with `.` and `..` resolved, or undefined when it leaves the first (root) segment. */
function insideRoot (path: string): string | undefined {
  const parts: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') {
      continue
    }
    if (segment === '..') {
      if (parts.length <= 1) {
        return undefined
      }
      parts.pop()
    } else {
      parts.push(segment)
    }
  }
  return parts.join('/')
}

function toStream (source: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull (controller) {
      const { done, value } = await source.next()
      if (done === true) {
        controller.close()
      } else {
        controller.enqueue(value)
      }
    },
    async cancel () {
      await source.return(undefined)
    }
  })
}

function plain (status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } })
}

import { InvalidRequestError } from '../../lib/errors.ts'
import { acceptsExplicitly } from './negotiate.ts'
import type { CID } from 'multiformats/cid'

/** Codecs the gateway can answer as something other than the block itself: files, directories, data. */
const PRESENTABLE_CODECS: Record<number, string> = {
  0x55: 'raw',
  0x70: 'dag-pb',
  0x71: 'dag-cbor',
  0x0129: 'dag-json',
  0x0200: 'json',
  0x51: 'cbor'
}

/** Formats that carry blocks as they are, whatever their codec: the bytes are checked against the hash alone. */
const BLOCK_FORMATS = ['application/vnd.ipld.raw', 'application/vnd.ipld.car']

/**
 * A CID with a codec the gateway cannot decode (git, eth, an unassigned
 * number) is a 400 naming the formats that work, unless the client asked for
 * the block itself (raw or CAR), which any verified block can be.
 */
export function checkPresentable (cid: CID, accept: string | null): void {
  if (PRESENTABLE_CODECS[cid.code] != null || BLOCK_FORMATS.some(type => acceptsExplicitly(accept, type))) {
    return
  }
  throw new InvalidRequestError(`Unsupported codec 0x${cid.code.toString(16)}: this gateway decodes ${Object.values(PRESENTABLE_CODECS).join(', ')}; ask for ?format=raw or ?format=car to get the block itself`)
}

/**
 * A file's media type from its name and first bytes, for the SDK's lean
 * path. The full engine asks verified-fetch's parser (`file-type`, which
 * knows some 150 binary formats, ~20 KiB gzip); a dApp fetching its own
 * assets names them, so the extension decides here, then the magic numbers
 * of the formats a web page shows, then whether the bytes are text. Where
 * the full engine names a type by extension, the names are its own.
 */

const BY_EXTENSION: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css',
  js: 'text/javascript',
  mjs: 'text/javascript',
  cjs: 'text/javascript',
  json: 'application/json',
  map: 'application/json',
  webmanifest: 'application/manifest+json',
  txt: 'text/plain',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  wasm: 'application/wasm',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip'
}

/** Leading bytes of the binary formats pages show, and what they are. */
const MAGIC: Array<[number[], string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'image/png'],
  [[0xff, 0xd8, 0xff], 'image/jpeg'],
  [[0x47, 0x49, 0x46, 0x38], 'image/gif'],
  [[0x25, 0x50, 0x44, 0x46], 'application/pdf'],
  [[0x00, 0x61, 0x73, 0x6d], 'application/wasm'],
  [[0x1a, 0x45, 0xdf, 0xa3], 'video/webm'],
  [[0x77, 0x4f, 0x46, 0x32], 'font/woff2'],
  [[0x50, 0x4b, 0x03, 0x04], 'application/zip'],
  [[0x1f, 0x8b], 'application/gzip']
]

export const OCTET_STREAM = 'application/octet-stream'

export function contentTypeOf (filename: string, head: Uint8Array): string {
  const dot = filename.lastIndexOf('.')
  const known = dot < 0 ? undefined : BY_EXTENSION[filename.slice(dot + 1).toLowerCase()]
  if (known != null) {
    return known
  }
  for (const [magic, type] of MAGIC) {
    if (magic.every((byte, i) => head[i] === byte)) {
      return type
    }
  }
  if (head[8] === 0x57 && head[9] === 0x45 && head[10] === 0x42 && head[11] === 0x50 && head[0] === 0x52) {
    return 'image/webp'
  }
  return dot < 0 ? textType(head) : OCTET_STREAM
}

/** A name without an extension: text is told by what it looks like, as the full engine does. */
function textType (head: Uint8Array): string {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head)
  } catch {
    return OCTET_STREAM
  }
  if (/^(<\?xml[^>]+>)?[^<^\w]+<svg/i.test(text)) {
    return 'image/svg+xml'
  }
  try {
    JSON.parse(text)
    return 'application/json'
  } catch {}
  if (/^\s*<(?:!doctype\s+html|html|head|body)\b/i.test(text)) {
    return 'text/html; charset=utf-8'
  }
  return 'text/plain; charset=utf-8'
}

/** Longest `?filename=` the edge puts into a header, in characters */
export const MAX_FILENAME_LENGTH = 255

/**
 * `attachment; filename="…"`, with `filename*=UTF-8''…` (RFC 6266, RFC 8187)
 * when the name is not plain ASCII. The quoted form is the name with every
 * character a quoted-string cannot carry safely (non-ASCII, controls, `"`,
 * `\`) replaced by `_`, one per character, for clients that ignore
 * `filename*`. The result never holds a CR, LF or quote that could end the
 * header or the parameter early.
 */
export function attachment (filename: string): string {
  const chars = [...filename].slice(0, MAX_FILENAME_LENGTH)
  const fallback = chars.map(char => /^[\x20-\x7e]$/.test(char) && char !== '"' && char !== '\\' ? char : '_').join('')
  const name = chars.join('')
  if (fallback === name) {
    return `attachment; filename="${fallback}"`
  }
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`
}

/** The `?filename=` a client asked for, when it gave a non-empty one */
export function requestedFilename (url: URL): string | undefined {
  const filename = url.searchParams.get('filename')
  return filename == null || filename === '' ? undefined : filename
}

/** RFC 8187 `value-chars`: attr-char stays, every other byte is %XX */
function encodeRfc8187 (text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, char => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
}

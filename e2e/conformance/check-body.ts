import { createHash } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { checkCar } from './check-car.ts'
import { checkIpnsRecord } from './check-ipns-record.ts'
import { readTar } from './read-tar.ts'
import type { BodyCheck } from './types.ts'

const PREVIEW_CHARS = 120

/** The failed checks on a body, each a readable sentence; none when all pass. */
export async function checkBody (check: BodyCheck, body: Uint8Array): Promise<string[]> {
  const failures: string[] = []
  const text = new TextDecoder().decode(body)
  const got = `got ${describe(body, text)}`

  if (check.exact != null) {
    const sha256 = createHash('sha256').update(body).digest('hex')
    if (body.byteLength !== check.exact.length || sha256 !== check.exact.sha256) {
      const expected = check.exact.utf8 != null ? preview(check.exact.utf8) : `sha256 ${check.exact.sha256.slice(0, 16)}…`
      failures.push(`body: expected exactly ${check.exact.length} bytes ${expected}, ${got} sha256 ${sha256.slice(0, 16)}…`)
    }
  }
  for (const part of check.contains ?? []) {
    if (!text.includes(part)) failures.push(`body: expected to contain ${JSON.stringify(part)}, ${got}`)
  }
  for (const part of check.not_contains ?? []) {
    if (text.includes(part)) failures.push(`body: expected not to contain ${JSON.stringify(part)}, but it does`)
  }
  for (const encoded of check.contains_base64 ?? []) {
    if (!includesBytes(body, Buffer.from(encoded, 'base64'))) {
      failures.push(`body: expected to contain the bytes ${encoded} (base64), ${got}`)
    }
  }
  if (check.json_equals !== undefined) {
    failures.push(...checkJson(check.json_equals, text, got))
  }
  if (check.empty === true && body.byteLength > 0) {
    failures.push(`body: expected no bytes, ${got}`)
  }
  if (check.car != null) {
    failures.push(...await checkCar(check.car, body))
  }
  if (check.tar != null) {
    failures.push(...checkTar(check.tar, body))
  }
  if (check.ipns_record != null) {
    failures.push(...await checkIpnsRecord(check.ipns_record, body))
  }
  return failures
}

function checkJson (expected: unknown, text: string, got: string): string[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return [`body: expected JSON equal to ${preview(JSON.stringify(expected))}, ${got}, which is not JSON`]
  }
  return isDeepStrictEqual(parsed, expected) ? [] : [`body: expected JSON equal to ${preview(JSON.stringify(expected))}, ${got}`]
}

function checkTar (check: NonNullable<BodyCheck['tar']>, body: Uint8Array): string[] {
  let entries
  try {
    entries = readTar(body)
  } catch (err) {
    return [`body tar: not a readable tar archive (${(err as Error).message})`]
  }
  const failures: string[] = []
  const byName = new Map(entries.map(entry => [normalizeTarName(entry.name), entry]))
  for (const wanted of check.entries) {
    const entry = byName.get(normalizeTarName(wanted.name))
    if (entry == null) {
      failures.push(`body tar: no entry ${JSON.stringify(wanted.name)}; entries: ${entries.map(e => e.name).join(', ') || '(none)'}`)
    } else if (wanted.content_utf8 != null) {
      const content = new TextDecoder().decode(entry.content)
      if (content !== wanted.content_utf8) {
        failures.push(`body tar: entry ${JSON.stringify(wanted.name)} should hold ${preview(wanted.content_utf8)}, holds ${preview(content)}`)
      }
    }
  }
  return failures
}

/** "./a/b/" and "a/b" name the same entry. */
function normalizeTarName (name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '')
}

function includesBytes (haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).includes(Buffer.from(needle))
}

function describe (body: Uint8Array, text: string): string {
  if (body.byteLength === 0) return '0 bytes'
  const printable = !text.includes('\uFFFD') && !/[\0-\x08\x0e-\x1f]/.test(text)
  return printable ? `${body.byteLength} bytes ${preview(text)}` : `${body.byteLength} bytes of binary`
}

function preview (text: string): string {
  return JSON.stringify(text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text)
}

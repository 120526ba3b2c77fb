import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')

/**
 * Two of verified-fetch's small dependencies come with frameworks around
 * them; service-worker builds take equivalents of their own (sw/shims/, each
 * tested against the package it stands in for).
 */
export const SW_SHIMS: Record<string, string> = {
  'regexp.escape': resolve(ROOT, 'sw/shims/regexp-escape.ts'),
  debug: resolve(ROOT, 'sw/shims/debug.ts')
}

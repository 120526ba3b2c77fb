import type { FunctionLimits } from './types.ts'

/**
 * Limits of the function sandbox, in one place. Small on purpose: a function
 * is request glue (check a signature, shape some JSON), not a batch job, and
 * an edge runs many of them for strangers.
 */
export const FUNCTION_LIMITS: FunctionLimits = {
  /** a warm hello world takes well under 1 ms; a second is a lot of interpreted JS */
  timeoutMs: 1_000,
  /** per module, past the 16 MiB a QuickJS instance starts with; with `maxWarmModules` warm, at most 768 MiB of memory per sandbox if every one filled its own */
  memoryBytes: 32 * 1024 * 1024,
  /**
   * QuickJS's own stack check must fire before the host's, in a browser's
   * Worker above all, or a deep recursion that an edge stops with QuickJS's
   * InternalError (a 500 the same on every host: QuickJS counts its stack in
   * the wasm's own memory) is a host failure in the browser, and `recompute`
   * rejects an honest edge. Measured in a dedicated Worker (2026-12), with
   * plain, method, getter, toString, Proxy, constructor, async and sort-callback
   * recursion: Chromium 156's stack ran out first from 116 KiB (toString), 124
   * KiB (async) and 160 KiB (plain); Firefox ESR 153's from 384 KiB. 64 KiB
   * leaves Chromium's tightest case nearly half its stack spare for other
   * platforms' and versions' Workers, and still lets plain recursion go ~360
   * deep (toString ~140, a Proxy trap ~200)
   */
  stackBytes: 64 * 1024,
  /** a bundled function with its libraries fits; a whole app does not belong here */
  maxModuleBytes: 1024 * 1024,
  maxRequestBytes: 1024 * 1024,
  /**
   * a response is built whole inside the heap before it leaves, its bytes up to three times over (the function's,
   * the Response's own copy, the one read out): 12 MiB, freed as the call ends, so each call fits `memoryBytes`
   */
  maxResponseBytes: 4 * 1024 * 1024,
  maxWarmModules: 16
}

/**
 * What a host says of a module over `maxModuleBytes`, and of one that is not
 * UTF-8 text: the same words on an edge and in the browser, so `recompute`
 * finds an edge's 413 or 400 to be the function's own answer
 */
export function moduleTooLargeMessage (cid: string, maxModuleBytes: number): string {
  return `the module ${cid} is over the ${maxModuleBytes} byte limit for functions`
}

export function moduleNotTextMessage (cid: string): string {
  return `${cid} is not a function module: it is not UTF-8 text`
}

/** What a request body over the limit is answered with (413), by an edge, the gateway's SW and the SDK alike */
export function requestTooLargeMessage (maxRequestBytes: number): string {
  return `the request body is over the ${maxRequestBytes} byte limit for functions`
}

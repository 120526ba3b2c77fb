import { memoryLimitError } from './quickjs-values.ts'

/** A WebAssembly page */
const PAGE_BYTES = 64 * 1024
/**
 * The memory QuickJS's build starts with (its static data and stack, and the
 * first of its heap), which an instance's own memory must have at least
 */
const INITIAL_BYTES = 16 * 1024 * 1024

/**
 * A QuickJS instance's own WebAssembly memory: the heap can grow by the
 * limit past what the build starts with, and no further. It remembers whether
 * its last growth was refused, since QuickJS, once so full that it cannot even
 * make its out-of-memory error, throws `null`: only this tells that apart from
 * a function's own `throw null`. (Emscripten's allocator asks `grow` for 20%,
 * then 10%, then 5% more, so a refused step may be followed by one granted,
 * and a refusal can leave the memory short of its maximum.)
 */
export class InstanceMemory extends WebAssembly.Memory {
  /** Whether the instance's last request for more memory was more than its limit left it */
  refusedGrowth = false

  constructor (memoryBytes: number) {
    super({ initial: INITIAL_BYTES / PAGE_BYTES, maximum: Math.ceil((INITIAL_BYTES + memoryBytes) / PAGE_BYTES) })
  }

  grow (pages: number): number {
    try {
      const previous = super.grow(pages)
      this.refusedGrowth = false
      return previous
    } catch (err) {
      this.refusedGrowth = true
      throw err
    }
  }
}

/**
 * Makes the host's own allocations in an instance (a request's text and
 * bytes copied in, a granted fetch's answer) fail with `FunctionMemoryError`
 * when the instance's memory is full. quickjs-emscripten copies into what
 * `_malloc` returns without looking, and with the memory capped, `_malloc`
 * returns 0 when a module holds it all: a caller's bytes were written over
 * the instance's own data from address 0. Reached through the library's
 * module object, which it calls `_malloc` on for every such copy.
 */
export function refuseNullAllocations (quickjs: unknown, memoryBytes: number): void {
  const module = (quickjs as { module?: { _malloc?: (size: number) => number } }).module
  const malloc = module?._malloc
  if (module == null || malloc == null) {
    throw new Error('quickjs-emscripten no longer has the module object the sandbox guards: see refuseNullAllocations')
  }
  module._malloc = (size: number): number => {
    const pointer = malloc(size)
    if (pointer === 0) {
      throw memoryLimitError(memoryBytes)
    }
    return pointer
  }
}

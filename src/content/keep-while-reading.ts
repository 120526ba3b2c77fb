/** Bytes the kept copy may lag behind the reader before the reader waits for it. */
const KEEP_QUEUE_BYTES = 4 * 1024 * 1024

/** The kept copy outgrew what may be kept: it is dropped, the reader's stream goes on. */
export class FileTooLargeError extends Error {
  static name = 'FileTooLargeError'
  name = 'FileTooLargeError'
}

export interface KeptBody {
  /** The stream the reader gets: the same chunks, in the reader's pace */
  body: ReadableStream<Uint8Array>
  /**
   * A copy that closes only once the reader's stream ended whole, and errors
   * when it failed, was cancelled, or passed `maxBytes`: a store writing it
   * (`cache.put`) then keeps nothing
   */
  kept: ReadableStream<Uint8Array>
  /** Bytes read so far */
  bytes(): number
}

/**
 * Splits a body into the reader's stream and a copy to keep, pulled from the
 * source only as the reader reads. Unlike `tee()`, a reader that goes away
 * ends both (a user who watched ten seconds of a long video must not make the
 * SW fetch the rest for the copy), and the reader waits while the copy lags,
 * so the file is never held in memory for it.
 */
export function keepWhileReading (source: ReadableStream<Uint8Array>, maxBytes: number): KeptBody {
  const reader = source.getReader()
  let keptController!: ReadableStreamDefaultController<Uint8Array>
  let keeping = true
  let wake: (() => void) | undefined
  let bytes = 0
  const wakeReader = (): void => {
    wake?.()
    wake = undefined
  }
  const drop = (reason: unknown): void => {
    if (keeping) {
      keeping = false
      keptController.error(reason)
    }
    wakeReader()
  }
  const kept = new ReadableStream<Uint8Array>({
    start (controller) { keptController = controller },
    pull: wakeReader,
    cancel () {
      keeping = false
      wakeReader()
    }
  }, { highWaterMark: KEEP_QUEUE_BYTES, size: chunk => chunk.byteLength })
  const body = new ReadableStream<Uint8Array>({
    async pull (controller) {
      while (keeping && (keptController.desiredSize ?? 1) <= 0) {
        await new Promise<void>(resolve => { wake = resolve })
      }
      let result: ReadableStreamReadResult<Uint8Array>
      try {
        result = await reader.read()
      } catch (err) {
        drop(err)
        controller.error(err)
        return
      }
      if (result.done) {
        if (keeping) {
          keeping = false
          keptController.close()
        }
        controller.close()
        return
      }
      bytes += result.value.byteLength
      if (keeping) {
        if (bytes > maxBytes) {
          drop(new FileTooLargeError(`Larger than the ${maxBytes} bytes a kept file may have`))
        } else {
          keptController.enqueue(result.value)
        }
      }
      controller.enqueue(result.value)
    },
    async cancel (reason) {
      drop(reason ?? new DOMException('The reader went away', 'AbortError'))
      await reader.cancel(reason)
    }
  })
  return { body, kept, bytes: () => bytes }
}

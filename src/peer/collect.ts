import { concat } from 'uint8arrays/concat'

/** A block read whole from a store's chunks (one chunk, as our stores give, is returned as is). */
export async function collect (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source) {
    chunks.push(chunk)
  }
  return chunks.length === 1 ? chunks[0] : concat(chunks)
}

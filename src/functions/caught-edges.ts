/**
 * Edges whose answer for a function `recompute` did not reproduce, asked
 * last for that function for a while. Not counted against the edge's health:
 * a function that is not deterministic fails `recompute` on an honest edge
 * too, and the edge's standing for content is not that function's to spend.
 * Bounded: the oldest mark goes first.
 */
export class CaughtEdges {
  /** `<cid> <edge>` → until when (ms since the epoch); Map order is the order of marking */
  private readonly marks = new Map<string, number>()
  private readonly ttlMs: number
  private readonly max: number

  constructor ({ ttlMs = 60 * 60 * 1000, max = 256 }: { ttlMs?: number, max?: number } = {}) {
    this.ttlMs = ttlMs
    this.max = max
  }

  get size (): number {
    return this.marks.size
  }

  note (cid: string, edge: string): void {
    const key = `${cid} ${edge}`
    this.marks.delete(key)
    this.marks.set(key, Date.now() + this.ttlMs)
    for (const oldest of this.marks.keys()) {
      if (this.marks.size <= this.max) break
      this.marks.delete(oldest)
    }
  }

  has (cid: string, edge: string): boolean {
    const key = `${cid} ${edge}`
    const until = this.marks.get(key)
    if (until == null) return false
    if (until > Date.now()) return true
    this.marks.delete(key)
    return false
  }
}

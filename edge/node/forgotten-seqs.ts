/**
 * The highest announcement Seq of peers whose records are gone (withdrawn,
 * expired, evicted or disconnected), kept for a while so that an old signed
 * announcement cannot list the peer again. Bounded in time and in count; the
 * oldest go first.
 */
export interface ForgottenSeqsLimits {
  /** How long a Seq is kept: at least as long as an announcement's timestamp stays acceptable */
  retainMs: number
  maxEntries: number
}

export class ForgottenSeqs {
  /** peer id → its Seq and when it may be forgotten; in insertion order, which is `until` order since `retainMs` is fixed */
  private readonly seqs = new Map<string, { seq: number, until: number }>()
  private readonly limits: ForgottenSeqsLimits

  constructor (limits: ForgottenSeqsLimits) {
    this.limits = limits
  }

  get size (): number {
    return this.seqs.size
  }

  remember (peerId: string, seq: number, now: number): void {
    this.seqs.delete(peerId)
    this.seqs.set(peerId, { seq, until: now + this.limits.retainMs })
    for (const oldest of this.seqs.keys()) {
      if (this.seqs.size <= this.limits.maxEntries) {
        break
      }
      this.seqs.delete(oldest)
    }
  }

  get (peerId: string, now: number): number | undefined {
    const entry = this.seqs.get(peerId)
    return entry != null && entry.until > now ? entry.seq : undefined
  }

  delete (peerId: string): void {
    this.seqs.delete(peerId)
  }

  prune (now: number): void {
    for (const [peerId, { until }] of this.seqs) {
      if (until > now) {
        break
      }
      this.seqs.delete(peerId)
    }
  }
}

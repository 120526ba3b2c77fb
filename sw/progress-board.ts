import type { NavigationProgress } from '../src/lib/navigation-progress.ts'
import type { BlockSource } from '../src/lib/types.ts'

/** Slow navigations followed at once; a new one past this drops the oldest (its page then reloads the link) */
export const MAX_FOLLOWED = 16
/** How long a finished navigation's state is kept for its page to read (it polls every few hundred ms) */
export const KEEP_FINISHED_MS = 30_000

/** One slow navigation being followed: what its page reads, and the SW's hooks into it */
export interface FollowedNavigation {
  /** What its page reads now */
  snapshot(): NavigationProgress
  onUse(source: BlockSource, blocks: number, bytes: number): void
  done(): void
  failed(status: number, error: string): void
}

/**
 * The state of the navigations the SW answered with a progress page, by
 * URL (origin, path, query), held by the SW instance that follows them and
 * bounded: at most MAX_FOLLOWED, each dropped KEEP_FINISHED_MS after it ends.
 * A SW that restarts forgets them; their pages then load the link again.
 */
export class ProgressBoard {
  private readonly entries = new Map<string, FollowedNavigation>()

  follow (key: string, path: string, tried: NavigationProgress['tried']): FollowedNavigation {
    const started = Date.now()
    const progress: NavigationProgress = { path, state: 'fetching', bytes: { cache: 0, edge: 0, peer: 0 }, elapsedMs: 0, tried }
    const finish = (): void => {
      setTimeout(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key)
      }, KEEP_FINISHED_MS)
    }
    const entry: FollowedNavigation = {
      snapshot: () => ({ ...progress, bytes: { ...progress.bytes }, elapsedMs: Date.now() - started }),
      onUse (source, _blocks, bytes) {
        progress.bytes[source] += bytes
      },
      done () {
        progress.state = 'done'
        finish()
      },
      failed (status, error) {
        Object.assign(progress, { state: 'failed', status, error })
        finish()
      }
    }
    // a key followed again (a reload while it is slow) is the newest: moved to the end
    this.entries.delete(key)
    while (this.entries.size >= MAX_FOLLOWED) {
      this.entries.delete(this.entries.keys().next().value!)
    }
    this.entries.set(key, entry)
    return entry
  }

  get (key: string): NavigationProgress | undefined {
    return this.entries.get(key)?.snapshot()
  }

  get size (): number {
    return this.entries.size
  }
}

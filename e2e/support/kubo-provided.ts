import { inject } from 'vitest'
import type { GoBinary } from './go-binary.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Kubo binary the global setup built or found, or why there is none */
    kubo: GoBinary
  }
}

/** Inside a spec: the Kubo binary's path, or why Kubo specs skip (for `describe.skipIf`). */
export function providedKubo (): { path: string, skipped?: undefined } | { path?: undefined, skipped: string } {
  const kubo = inject('kubo')
  return 'skipped' in kubo ? { skipped: kubo.skipped } : { path: kubo.path }
}

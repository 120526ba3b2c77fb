import { round } from './stats.ts'
import type { Check, Series } from '../types.ts'

/** Subject's throughput over the anchor's (both MiB/s): above 1 is faster than the anchor. */
export function throughputCheck (subject: Series, anchor: Series, goal?: number): Check {
  return judge({ label: `vs ${anchor.label}`, unit: '×', value: round(subject.median / anchor.median), goal, op: '>=', formula: `median throughput ${subject.label} / ${anchor.label}` })
}

/** Subject's time over the anchor's (both ms): below 1 is faster than the anchor. */
export function timeCheck (subject: Series, anchor: Series, goal?: number): Check {
  return judge({ label: `vs ${anchor.label}`, unit: '×', value: round(subject.median / anchor.median), goal, op: '<=', formula: `median time ${subject.label} / ${anchor.label}` })
}

export function judge (check: Check): Check {
  if (check.goal == null || check.op == null) {
    return { ...check, goal: undefined, op: undefined, met: undefined }
  }
  return { ...check, met: check.op === '>=' ? check.value >= check.goal : check.value <= check.goal }
}

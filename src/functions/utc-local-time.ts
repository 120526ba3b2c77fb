/**
 * Functions see local time as UTC, wherever they run, as on serverless
 * platforms: `recompute` compares an edge's answer with the browser's byte
 * for byte, and `new Date(2020, 0, 1)` must name the same instant in an edge
 * in New York and in a browser in Kolkata.
 *
 * QuickJS reads local time through emscripten's glue (`localtime_r` and
 * `tzset`), which asks the host's own `Date` of the thread it runs on, through
 * the local-time getters and `getTimezoneOffset`: the glue offers no hook for
 * it. This makes those answer in UTC for the whole thread, so it is only for a
 * thread that runs sandboxes and nothing that cares for the host's time zone:
 * the edge's function worker threads, the browser's sandbox Worker. The
 * setters and `new Date(year, month, …)` are left local; the glue reads only
 * the getters (it makes a date of parts only to ask its offset).
 */
const UTC_GETTERS = {
  getFullYear: 'getUTCFullYear',
  getMonth: 'getUTCMonth',
  getDate: 'getUTCDate',
  getDay: 'getUTCDay',
  getHours: 'getUTCHours',
  getMinutes: 'getUTCMinutes',
  getSeconds: 'getUTCSeconds',
  getMilliseconds: 'getUTCMilliseconds'
} as const

/** Makes this thread's `Date` read local time as UTC (see above); once is enough, and again changes nothing */
export function pinLocalTimeToUtc (): void {
  const proto = Date.prototype
  for (const [local, utc] of Object.entries(UTC_GETTERS)) {
    Object.defineProperty(proto, local, { value: proto[utc], writable: true, configurable: true })
  }
  Object.defineProperty(proto, 'getTimezoneOffset', {
    value: function getTimezoneOffset (this: Date): number {
      return Number.isNaN(this.getTime()) ? Number.NaN : 0
    },
    writable: true,
    configurable: true
  })
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']

/** Bytes as people read them: `512 bytes`, `3.0 MiB`, `1.2 GiB`. */
export function formatBytes (bytes: number): string {
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${UNITS[unit]}`
}

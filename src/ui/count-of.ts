/** `n block`/`n blocks`: a count with its noun, singular for one. */
export function countOf (n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`
}

/** A store of this origin could not be deleted in time: another tab of the gateway holds it open. */
export class ResetBlockedError extends Error {
  static name = 'ResetBlockedError'
  name = 'ResetBlockedError'
  /** The IndexedDB databases still there */
  readonly databases: string[]

  constructor (databases: string[]) {
    super(`Still open in another tab of this gateway: ${databases.join(', ')}. Close the other tabs and reset again.`)
    this.databases = databases
  }
}

/**
 * Typed errors of the launcher. Callers and tests branch on `.name`, never on
 * the message text.
 */

/** The embedded edge's process ended before it was ready, or did not print its `EdgeInfo` line */
export class EdgeProcessError extends Error {
  static name = 'EdgeProcessError'
  name = 'EdgeProcessError'
}

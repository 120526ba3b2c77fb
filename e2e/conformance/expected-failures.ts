/**
 * Conformance cases known to fail, by case id, with the reason. A listed case that fails is
 * reported and does not fail the run; a listed case that passes fails the run as
 * "unexpectedly passing", so an entry is removed as soon as the gateway meets the case.
 */
export const EXPECTED_FAILURES: Readonly<Record<string, string>> = {}

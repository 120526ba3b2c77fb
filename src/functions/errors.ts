/**
 * Typed errors of the function sandbox. Hosts map them to HTTP statuses by
 * `.name` (see `FUNCTION_ERROR_STATUS`); the message is safe to show: it never
 * carries a stack.
 */

/** The source is not an ES module with a default export that is a function (a syntax error too) */
export class InvalidFunctionModuleError extends Error {
  static name = 'InvalidFunctionModuleError'
  name = 'InvalidFunctionModuleError'
}

/** The CID cannot name a function module (not a CID, an identity CID, a codec a module is not) */
export class InvalidFunctionCidError extends Error {
  static name = 'InvalidFunctionCidError'
  name = 'InvalidFunctionCidError'
}

/** The function ran past its time limit, while evaluating or answering */
export class FunctionTimeoutError extends Error {
  static name = 'FunctionTimeoutError'
  name = 'FunctionTimeoutError'
}

/** The function's heap passed its memory limit */
export class FunctionMemoryError extends Error {
  static name = 'FunctionMemoryError'
  name = 'FunctionMemoryError'
}

/** The function threw, or its promise rejected (or never settled) */
export class FunctionThrewError extends Error {
  static name = 'FunctionThrewError'
  name = 'FunctionThrewError'
}

/** The function answered with something that is not a usable Response (not one, a bad status or header, too large) */
export class InvalidFunctionResponseError extends Error {
  static name = 'InvalidFunctionResponseError'
  name = 'InvalidFunctionResponseError'
}

/** The module source or the request body is over its limit */
export class FunctionInputTooLargeError extends Error {
  static name = 'FunctionInputTooLargeError'
  name = 'FunctionInputTooLargeError'
}

/** Too many calls wait for the sandbox already */
export class FunctionBusyError extends Error {
  static name = 'FunctionBusyError'
  name = 'FunctionBusyError'
}

/** The sandbox could not be started (a browser's Worker failed to load, or did not load in time) */
export class FunctionSandboxUnavailableError extends Error {
  static name = 'FunctionSandboxUnavailableError'
  name = 'FunctionSandboxUnavailableError'
}

/**
 * A call came without its module's source, and the module is not warm in
 * this sandbox: between a host and its worker only, which sends the call
 * again with the source
 */
export class ModuleNotWarmError extends Error {
  static name = 'ModuleNotWarmError'
  name = 'ModuleNotWarmError'
}

/** The HTTP status each error answers with, wherever a function runs */
export const FUNCTION_ERROR_STATUS: Record<string, number> = {
  InvalidFunctionModuleError: 400,
  InvalidFunctionCidError: 400,
  FunctionTimeoutError: 504,
  FunctionMemoryError: 500,
  FunctionThrewError: 500,
  InvalidFunctionResponseError: 502,
  FunctionInputTooLargeError: 413,
  FunctionBusyError: 503,
  FunctionSandboxUnavailableError: 503
}

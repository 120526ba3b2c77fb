/**
 * Typed errors shared by the service worker, the SDK and the page. Callers and
 * tests branch on `err.name`, never on the message text. Each error knows the
 * HTTP status it maps to, so there is exactly one place that decides it.
 */

export class EdgewayError extends Error {
  static name = 'EdgewayError'
  name = 'EdgewayError'
  readonly status: number = 500
}

/** The URL does not name valid content: bad CID, bad path, unsupported scheme (400). */
export class InvalidRequestError extends EdgewayError {
  static name = 'InvalidRequestError'
  name = 'InvalidRequestError'
  readonly status = 400
}

/** The CID is well formed, but the path does not exist in its DAG (404). */
export class NotInDagError extends EdgewayError {
  static name = 'NotInDagError'
  name = 'NotInDagError'
  readonly status = 404
}

/** A path of the gateway's own origin that is neither content nor one of its pages (404). */
export class UnknownPathError extends EdgewayError {
  static name = 'UnknownPathError'
  name = 'UnknownPathError'
  readonly status = 404
}

/** A well-formed request for something this gateway does not do (yet) (501). */
export class NotSupportedError extends EdgewayError {
  static name = 'NotSupportedError'
  name = 'NotSupportedError'
  readonly status = 501
}

/** A source sent bytes that failed hash verification and no honest source had them (502). */
export class VerificationError extends EdgewayError {
  static name = 'VerificationError'
  name = 'VerificationError'
  readonly status = 502
}

/**
 * An IPNS name or DNSLink domain has no record: every routing endpoint asked
 * answered that it holds no IPNS record for the key, or DNS has no DNSLink
 * TXT record for the domain (404: formally correct, yet nothing to serve).
 */
export class NameNotFoundError extends EdgewayError {
  static name = 'NameNotFoundError'
  name = 'NameNotFoundError'
  readonly status = 404
}

/**
 * An IPNS name or DNSLink domain could not be resolved to content: only
 * records that failed signature or validity checks, a record that points
 * nowhere, or a resolver that could not be asked (502: worth retrying later,
 * and never a sign that content bytes failed verification).
 */
export class NameResolutionError extends EdgewayError {
  static name = 'NameResolutionError'
  name = 'NameResolutionError'
  readonly status = 502
}

/** No source answered in time (504). */
export class SourceTimeoutError extends EdgewayError {
  static name = 'SourceTimeoutError'
  name = 'SourceTimeoutError'
  readonly status = 504
}

/**
 * The content is not in this browser's store and no source can be reached:
 * the edges are down or the browser is offline (504, at once rather than
 * after the idle timeout).
 */
export class EdgesUnreachableError extends EdgewayError {
  static name = 'EdgesUnreachableError'
  name = 'EdgesUnreachableError'
  readonly status = 504
}

/**
 * No source has the content: every edge answered 404 (or none is
 * configured), and no router lists a provider that sent it (504, at once
 * rather than after the idle timeout).
 */
export class NoProvidersError extends EdgewayError {
  static name = 'NoProvidersError'
  name = 'NoProvidersError'
  readonly status = 504
}

/** Any other status verified-fetch answered with (406, 412, 416, 501…), kept as it was. */
export class ContentError extends EdgewayError {
  static name = 'ContentError'
  name = 'ContentError'
  readonly status: number

  constructor (message: string, status: number) {
    super(message)
    this.status = status
  }
}

/** The gateway configuration (edgeway.json, SDK options) is unusable. */
export class ConfigError extends EdgewayError {
  static name = 'ConfigError'
  name = 'ConfigError'
  readonly status = 500
}

/**
 * An edge's answer from a function differs from the same function run in
 * this browser on the same request (`verify: 'recompute'`): one of them did
 * not run the code the CID names, or the function is not deterministic (502).
 */
export class FunctionVerificationError extends EdgewayError {
  static name = 'FunctionVerificationError'
  name = 'FunctionVerificationError'
  readonly status = 502
}

/**
 * Typed errors of the edge. Callers and tests branch on `.name`, never on the
 * message text; `http-server.ts` maps the HTTP ones to status codes.
 */

/** A command-line flag is unknown, missing its value or out of range */
export class UsageError extends Error {
  static name = 'UsageError'
  name = 'UsageError'
}

/** The `host` option is not an address the edge can listen on */
export class InvalidHostError extends Error {
  static name = 'InvalidHostError'
  name = 'InvalidHostError'
}

/** A `serve` entry does not exist or is neither a file nor a directory */
export class ServePathError extends Error {
  static name = 'ServePathError'
  name = 'ServePathError'
}

/** A CAR is malformed (bad header, no roots, truncated block) */
export class InvalidCarError extends Error {
  static name = 'InvalidCarError'
  name = 'InvalidCarError'
}

/** An `.ipns-record` file is not an IPNS record at all (its signature is never checked here) */
export class InvalidIpnsRecordError extends Error {
  static name = 'InvalidIpnsRecordError'
  name = 'InvalidIpnsRecordError'
}

/** Text that should name an IPNS key (`k51…`, `12D3Koo…`, `Qm…`) does not */
export class InvalidIpnsNameError extends Error {
  static name = 'InvalidIpnsNameError'
  name = 'InvalidIpnsNameError'
}

/** A DNSLink entry has a bad domain name or a value that is not a content path */
export class InvalidDnslinkError extends Error {
  static name = 'InvalidDnslinkError'
  name = 'InvalidDnslinkError'
}

/** A block's bytes do not hash to its CID */
export class BlockVerificationError extends Error {
  static name = 'BlockVerificationError'
  name = 'BlockVerificationError'
}

/** A block uses a hash function the edge cannot check, so it will not hold it */
export class UnsupportedHashError extends Error {
  static name = 'UnsupportedHashError'
  name = 'UnsupportedHashError'
}

/** HTTP 400: the request names an invalid CID, path or parameter */
export class BadRequestError extends Error {
  static name = 'BadRequestError'
  name = 'BadRequestError'
}

/** HTTP 404: the edge does not hold the block (it never asks the network) */
export class NotFoundError extends Error {
  static name = 'NotFoundError'
  name = 'NotFoundError'
}

/** HTTP 406: no response format this trustless gateway can produce was asked for */
export class NotAcceptableError extends Error {
  static name = 'NotAcceptableError'
  name = 'NotAcceptableError'
}

/** HTTP 501: a valid request the edge cannot serve (e.g. a codec it cannot walk) */
export class NotImplementedError extends Error {
  static name = 'NotImplementedError'
  name = 'NotImplementedError'
}

/** HTTP 405: only GET, HEAD and OPTIONS are served */
export class MethodNotAllowedError extends Error {
  static name = 'MethodNotAllowedError'
  name = 'MethodNotAllowedError'
}

/** HTTP 413: a request body is over the edge's limit */
export class PayloadTooLargeError extends Error {
  static name = 'PayloadTooLargeError'
  name = 'PayloadTooLargeError'
}

/** HTTP 503: the edge cannot take this request now (every function worker busy, or stopping) */
export class ServiceUnavailableError extends Error {
  static name = 'ServiceUnavailableError'
  name = 'ServiceUnavailableError'
}

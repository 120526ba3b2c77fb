import { attachment, requestedFilename } from './content-disposition.ts'
import { IPNS_RECORD_CONTENT_TYPE, sendHeldIpnsRecord } from './delegated-routing.ts'
import { BadRequestError, NotAcceptableError, NotFoundError } from './errors.ts'
import type { HttpRoute } from './http-server.ts'
import type { HeldIpnsRecord, IpnsRecordSource } from './ipns-records.ts'

export interface IpnsRecordGatewayComponents {
  /** The signed IPNS records the edge was given; it resolves no others */
  ipnsRecords: IpnsRecordSource
}

const FORMAT = 'ipns-record'
const NOT_RESOLVED_HERE = `this edge serves an IPNS name only as its signed record: ask for ${IPNS_RECORD_CONTENT_TYPE} (Accept header, or ?format=${FORMAT}); it does not resolve names to content`

/**
 * `GET|HEAD /ipns/<name>` with `?format=ipns-record` or `Accept:
 * application/vnd.ipfs.ipns-record`, as the trustless gateway spec asks: the
 * signed record the edge holds for the name, as a download. The client
 * verifies it; the edge resolves nothing itself.
 */
export function ipnsRecordGateway ({ ipnsRecords }: IpnsRecordGatewayComponents): HttpRoute {
  return {
    id: 'ipns-record-gateway',
    canHandle: (url) => url.pathname.startsWith('/ipns/'),
    handle: async (request) => {
      const { url, req } = request
      if (!asksForRecord(url.searchParams.get('format'), req.headers.accept)) {
        throw new NotAcceptableError(NOT_RESOLVED_HERE)
      }

      const [, , nameText = '', ...rest] = url.pathname.split('/')
      if (rest.some(segment => segment !== '')) {
        throw new BadRequestError(`an IPNS record is addressed by a bare name: /ipns/<name>?format=${FORMAT}`)
      }

      let name: string
      let record: HeldIpnsRecord | undefined
      try {
        name = decodeURIComponent(nameText)
        record = ipnsRecords.get(name)
      } catch (err: any) {
        throw new BadRequestError(`invalid IPNS name "${nameText}": ${err.message}`)
      }

      if (record == null) {
        throw new NotFoundError(`this edge holds no IPNS record for ${name}`)
      }

      sendHeldIpnsRecord(record, request, {
        'Content-Disposition': attachment(requestedFilename(url) ?? `${name}.${FORMAT}`),
        'X-Content-Type-Options': 'nosniff'
      })
    }
  }
}

/**
 * `?format=` wins over `Accept`; only an explicit record type counts, since a
 * wildcard on `/ipns/` asks a path gateway for the content, which this is not
 */
function asksForRecord (format: string | null, accept: string | undefined): boolean {
  if (format != null && format !== '') {
    return format === FORMAT
  }
  return (accept ?? '').split(',').some(entry => {
    const [type = '', ...params] = entry.split(';').map(part => part.trim().toLowerCase())
    return type === IPNS_RECORD_CONTENT_TYPE && !params.some(param => /^q=0(\.0*)?$/.test(param))
  })
}

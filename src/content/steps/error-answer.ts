import { ContentError, InvalidRequestError, NotInDagError } from '../../lib/errors.ts'
import type { ContentRequest } from '../content-request.ts'
import type { ContentStep } from './index.ts'

/** verified-fetch's own error answers, as Edgeway's typed errors (and their pages), with what the request used. */
export const errorAnswer: ContentStep = {
  name: 'error-answer',
  async run (request) {
    const { response } = request
    if (response == null || response.status < 400) {
      return undefined
    }
    return request.fail(await contentError(response, request), response.headers)
  }
}

async function contentError (response: Response, request: ContentRequest): Promise<Error> {
  const detail = (await response.text()).slice(0, 500) || response.statusText
  switch (response.status) {
    case 400: return new InvalidRequestError(detail)
    case 404: return new NotInDagError(detail)
    case 504: return request.unavailable()
    default: return new ContentError(detail, response.status)
  }
}

/**
 * `response` with header `name` set to `value`: the same Response, its
 * header set in place. Only a Response whose headers are immutable
 * (`Response.redirect`, one from `fetch` or Cache Storage) is copied, its
 * body stream handed on as it is: no byte is read or copied either way.
 */
export function withHeader (response: Response, name: string, value: string): Response {
  return withHeaders(response, { [name]: value })
}

/** `response` with each of `set` set, in one edit as `withHeader` makes it */
export function withHeaders (response: Response, set: Record<string, string>): Response {
  return edited(response, headers => {
    for (const [name, value] of Object.entries(set)) headers.set(name, value)
  })
}

/** `response` without header `name`, in place or copied as `withHeader` does */
export function withoutHeader (response: Response, name: string): Response {
  return response.headers.has(name) ? edited(response, headers => { headers.delete(name) }) : response
}

function edited (response: Response, edit: (headers: Headers) => void): Response {
  try {
    edit(response.headers)
    return response
  } catch {}
  const headers = new Headers(response.headers)
  edit(headers)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

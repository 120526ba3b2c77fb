/**
 * `response` with header `name` set to `value`: the same Response, its
 * header set in place. Only a Response whose headers are immutable
 * (`Response.redirect`, one from `fetch` or Cache Storage) is copied, its
 * body stream handed on as it is: no byte is read or copied either way.
 */
export function withHeader (response: Response, name: string, value: string): Response {
  try {
    response.headers.set(name, value)
    return response
  } catch {}
  const headers = new Headers(response.headers)
  headers.set(name, value)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

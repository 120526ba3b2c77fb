/**
 * The work the function benchmarks compare: total a JSON order. Written once,
 * so the edge function and the plain Node handler run the same code.
 */
const WORK = `const input = JSON.parse(text)
  const total = input.items.reduce((sum, item) => sum + item.price * item.quantity, 0)
  return { id: input.id, total, count: input.items.length }`

/** The function module: the same work behind `async (request) => Response`; `tag` makes a module of its own CID */
export function orderTotalFunction (tag = ''): string {
  return `export default async (request) => {
  const text = await request.text()
  const answer = (() => { ${WORK} })()
  return Response.json(answer)
}
// ${tag}
`
}

// eslint-disable-next-line no-new-func
const work = new Function('text', WORK) as (text: string) => unknown

/** The plain handler's work: the body's text in, the JSON answer out */
export function orderTotal (text: string): string {
  return JSON.stringify(work(text))
}

/** A 20-item order, ~870 bytes */
export const ORDER_BODY = JSON.stringify({ id: 'order-1', items: Array.from({ length: 20 }, (_, i) => ({ sku: `sku-${i}`, price: i + 0.5, quantity: (i % 3) + 1 })) })

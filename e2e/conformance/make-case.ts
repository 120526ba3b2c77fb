import type { ConformanceCase, ConformanceRequest, Expect } from './types.ts'

/** A minimal case for tests: GET /ipfs/x on the path gateway, expecting 200 unless told otherwise. */
export function makeCase (id: string, request: Partial<ConformanceRequest> = {}, expect: Expect = { status: 200 }): ConformanceCase {
  return {
    id,
    category: 'c',
    spec: [],
    source: { file: '', test: '', name: '' },
    derived: false,
    fixtures: [],
    request: { method: 'GET', origin: { kind: 'path' }, path: '/ipfs/x', target: '/ipfs/x', ...request },
    expect
  }
}

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { staticClosure } from './static-imports.ts'

describe('staticClosure', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'static-imports-'))
    await mkdir(join(dir, 'chunks'))
    // minified and formatted imports, a re-export, a cycle, and a dynamic import that must not count
    await writeFile(join(dir, 'entry.js'), 'import{a as b}from"./chunks/a.js";\nimport { c } from \'./chunks/c.js\';\nexport { d } from "./chunks/d.js"\nconst e = () => import("./chunks/engine.js")\n')
    await writeFile(join(dir, 'chunks/a.js'), 'import "./shared.js";export const a=1')
    await writeFile(join(dir, 'chunks/c.js'), 'import { a } from "./a.js"; export const c = a')
    await writeFile(join(dir, 'chunks/d.js'), 'import{c}from"./c.js";import"../entry.js";export const d=c')
    await writeFile(join(dir, 'chunks/shared.js'), 'export {}')
    await writeFile(join(dir, 'chunks/engine.js'), 'import "./heavy.js"')
    await writeFile(join(dir, 'chunks/heavy.js'), 'export {}')
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('follows static imports and re-exports, once each, and leaves out what import() loads', async () => {
    const files = await staticClosure(join(dir, 'entry.js'))
    expect(files.sort()).toEqual(['chunks/a.js', 'chunks/c.js', 'chunks/d.js', 'chunks/shared.js', 'entry.js'])
  })
})

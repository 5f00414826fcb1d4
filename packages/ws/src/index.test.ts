import { expect, it } from 'vitest'
import * as ws from './index.js'

it('public API: the runtime exports', () => {
  expect(Object.keys(ws).sort()).toEqual([
    'checkLocalBook',
    'createLocalBook',
    'createWsClient',
    'localBook',
    'systemClock',
  ])
})

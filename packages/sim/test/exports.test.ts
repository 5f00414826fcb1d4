import { expect, it } from 'vitest'
import * as api from '../src/index.js'

it('exports exactly the documented runtime API', () => {
  expect(Object.keys(api).sort()).toEqual(['DEFAULT_LIMITS', 'parseCapture', 'signJwt', 'startSim'])
})

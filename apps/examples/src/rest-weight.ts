// The @bb/rest README example (packages/rest/README.md, the third block).
import { createRateLimiter } from '@bb/rest'

const limiter = createRateLimiter({ groups: { weight: { limit: 6000, windowMs: 60_000 } } })
await limiter.acquire('weight', { cost: 250 }) // a depth snapshot of 5000 levels
await limiter.acquire('weight', { cost: 20 }) // exchangeInfo
console.log(limiter.stats().weight?.units) // 270

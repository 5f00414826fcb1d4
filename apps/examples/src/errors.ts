// The @bb/errors README example.
import { BackboneError, isRetryable, RateLimitError, redact, toBackboneError } from '@bb/errors'

try {
  throw new RateLimitError({
    exchange: 'upbit',
    channel: 'rest',
    group: 'ticker',
    retryAfterMs: 250,
    status: 429,
  })
} catch (error) {
  if (RateLimitError.isInstance(error)) {
    console.log(error.code, error.retryAfterMs, error.banned)
  }
  console.log(isRetryable(error))
  console.log(error instanceof BackboneError && error.message)
}

const error = toBackboneError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
console.log(error.code, error.retryable)

console.log(JSON.stringify(redact({ headers: { Authorization: 'Bearer eyJhbGciOi.eyJub25jZSI6MX0.c2ln' } })))

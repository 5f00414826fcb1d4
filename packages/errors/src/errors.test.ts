import { describe, expect, it, vi } from 'vitest'
import {
  AbortedError,
  AuthenticationError,
  BackboneError,
  ConnectionClosedError,
  DataValidationError,
  ExchangeUnavailableError,
  InsufficientFundsError,
  InvalidOrderError,
  InvalidRequestError,
  isRetryable,
  NetworkError,
  OrderNotFoundError,
  PermissionError,
  RateLimitError,
  REDACTED,
  redact,
  redactingLogger,
  registerSecret,
  SubscriptionError,
  TimeoutError,
  toBackboneError,
  UnknownSymbolError,
} from './index.js'

const JWT =
  'eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3Nfa2V5IjoiYWJjIiwibm9uY2UiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ'

describe('rendered messages', () => {
  it('RateLimitError (429) says the group and when to retry', () => {
    const error = new RateLimitError({
      exchange: 'upbit',
      channel: 'rest',
      group: 'ticker',
      retryAfterMs: 250,
      status: 429,
    })
    expect(error.message).toMatchInlineSnapshot(`
      "Rate limit exceeded for group "ticker" on upbit.

      Retry after: 250 ms
      Exchange: upbit
      Channel: rest
      HTTP status: 429"
    `)
    expect(error.retryable).toBe(true)
    expect(error.banned).toBe(false)
  })

  it('RateLimitError (418) is a ban and not retryable', () => {
    const error = new RateLimitError({
      exchange: 'upbit',
      group: 'order',
      banned: true,
      retryAfterMs: 30_000,
      status: 418,
    })
    expect(error.message).toMatchInlineSnapshot(`
      "Blocked by upbit for group "order" after repeated rate-limit violations.

      Retry after: 30000 ms
      Exchange: upbit
      HTTP status: 418"
    `)
    expect(error.retryable).toBe(false)
    expect(isRetryable(error)).toBe(false)
  })

  it('AuthenticationError names the exchange code', () => {
    const error = new AuthenticationError({
      exchange: 'upbit',
      channel: 'rest',
      status: 401,
      exchangeCode: 'jwt_verification',
    })
    expect(error.message).toMatchInlineSnapshot(`
      "Authentication failed on upbit: check the access key, the secret key and the system clock.

      Exchange: upbit
      Channel: rest
      HTTP status: 401
      Exchange code: jwt_verification"
    `)
  })

  it('PermissionError', () => {
    expect(
      new PermissionError({ exchange: 'upbit', exchangeCode: 'out_of_scope' }).message,
    ).toMatchInlineSnapshot(`
      "Permission denied on upbit: the API key lacks a permission for this call.

      Exchange: upbit
      Exchange code: out_of_scope"
    `)
  })

  it('InvalidRequestError names the parameter', () => {
    const error = new InvalidRequestError({
      param: 'interval',
      details: { received: '2m', allowed: ['1m', '3m'] },
    })
    expect(error.message).toMatchInlineSnapshot(`
      "Invalid value for parameter "interval".

      Details: {"received":"2m","allowed":["1m","3m"]}"
    `)
    expect(error.param).toBe('interval')
  })

  it("UnknownSymbolError says what a symbol looks like from the caller's hint, not from one exchange", () => {
    const hinted = new UnknownSymbolError({
      symbol: 'BTCXYZ',
      exchange: 'demo',
      hint: 'BASEQUOTE, upper case (BTCUSDT).',
    })
    expect(hinted.message).toMatchInlineSnapshot(`
      "Unknown symbol "BTCXYZ" on demo: market codes look like BASEQUOTE, upper case (BTCUSDT).

      Exchange: demo"
    `)
    expect(hinted.symbol).toBe('BTCXYZ')
    // Without a hint the message names no format of its own (it used to claim every exchange's
    // codes look like one exchange's) and points at the market list.
    const bare = new UnknownSymbolError({ symbol: 'BTCXYZ', exchange: 'demo' })
    expect(bare.shortMessage).toBe(
      'Unknown symbol "BTCXYZ" on demo: the exchange does not list it; see its market list for the known codes.',
    )
    expect(new UnknownSymbolError({ symbol: 'X', hint: '  ' }).shortMessage).toContain('market list')
  })

  it('InsufficientFundsError', () => {
    expect(
      new InsufficientFundsError({
        exchange: 'upbit',
        currency: 'KRW',
        exchangeCode: 'insufficient_funds_bid',
      }).message,
    ).toMatchInlineSnapshot(`
      "Insufficient funds in KRW on upbit.

      Exchange: upbit
      Exchange code: insufficient_funds_bid"
    `)
  })

  it('InvalidOrderError carries the exchange message', () => {
    const error = new InvalidOrderError({
      exchange: 'upbit',
      exchangeCode: 'under_min_total_bid',
      message: 'Order total is below the 5,000 KRW minimum.',
    })
    expect(error.message).toMatchInlineSnapshot(`
      "Order total is below the 5,000 KRW minimum.

      Exchange: upbit
      Exchange code: under_min_total_bid"
    `)
  })

  it('OrderNotFoundError', () => {
    expect(
      new OrderNotFoundError({ orderId: 'cdd92199-2897-4e14-9448-f923320408ad' }).message,
    ).toMatchInlineSnapshot(`"Order "cdd92199-2897-4e14-9448-f923320408ad" not found."`)
  })

  it('NetworkError and TimeoutError are retryable', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
    const network = new NetworkError({ exchange: 'upbit', channel: 'rest', cause })
    expect(network.message).toMatchInlineSnapshot(`
      "Network failure talking to upbit.

      Exchange: upbit
      Channel: rest
      Caused by: connect ECONNREFUSED 127.0.0.1:1"
    `)
    const timeout = new TimeoutError({ exchange: 'upbit', timeoutMs: 5000 })
    expect(timeout.message).toMatchInlineSnapshot(`
      "Timed out after 5000 ms on upbit.

      Exchange: upbit"
    `)
    expect([network.retryable, timeout.retryable]).toEqual([true, true])
  })

  it('ExchangeUnavailableError', () => {
    expect(new ExchangeUnavailableError({ exchange: 'upbit', status: 503 }).message).toMatchInlineSnapshot(`
      "upbit is unavailable (server error or maintenance).

      Exchange: upbit
      HTTP status: 503"
    `)
  })

  it('DataValidationError names the field path and shortens what it got', () => {
    const error = new DataValidationError({
      path: 'orderbook_units[3].ask_price',
      expected: 'a decimal number',
      received: 'x'.repeat(200),
    })
    expect(error.message).toMatchInlineSnapshot(`
      "Invalid data at "orderbook_units[3].ask_price".

      Expected: a decimal number
      Received: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."
    `)
    expect(error.path).toBe('orderbook_units[3].ask_price')
  })

  it('SubscriptionError', () => {
    expect(
      new SubscriptionError({
        exchange: 'upbit',
        channel: 'ws',
        stream: 'myAsset',
        exchangeCode: 'WRONG_FORMAT',
      }).message,
    ).toMatchInlineSnapshot(`
      "The subscription to "myAsset" was refused on upbit.

      Exchange: upbit
      Channel: ws
      Exchange code: WRONG_FORMAT"
    `)
  })

  it('ConnectionClosedError', () => {
    expect(
      new ConnectionClosedError({ closeCode: 1006, reason: 'abnormal closure', exchange: 'upbit' }).message,
    ).toMatchInlineSnapshot(`
        "The connection closed (code 1006) on upbit.

        Reason: abnormal closure
        Exchange: upbit"
      `)
  })

  it('AbortedError', () => {
    expect(new AbortedError().message).toMatchInlineSnapshot(`"The operation was aborted."`)
  })
})

describe('classes and brands', () => {
  const all = [
    new AuthenticationError(),
    new PermissionError(),
    new RateLimitError(),
    new InvalidRequestError(),
    new UnknownSymbolError({ symbol: 'X' }),
    new InsufficientFundsError(),
    new InvalidOrderError(),
    new OrderNotFoundError(),
    new NetworkError(),
    new TimeoutError(),
    new ExchangeUnavailableError(),
    new DataValidationError({ path: 'a' }),
    new SubscriptionError(),
    new ConnectionClosedError(),
    new AbortedError(),
  ]

  it('every class has its own name and code, and is a BackboneError and an Error', () => {
    const names = all.map((e) => e.name)
    expect(new Set(names).size).toBe(all.length)
    expect(new Set(all.map((e) => e.code)).size).toBe(all.length)
    for (const error of all) {
      expect(error).toBeInstanceOf(Error)
      expect(BackboneError.isInstance(error)).toBe(true)
      expect(error.name).toBe(error.constructor.name)
    }
  })

  it('isInstance matches the class and its ancestors only', () => {
    const error = new RateLimitError()
    expect(RateLimitError.isInstance(error)).toBe(true)
    expect(NetworkError.isInstance(error)).toBe(false)
    expect(RateLimitError.isInstance(new Error('x'))).toBe(false)
    expect(RateLimitError.isInstance(null)).toBe(false)
    expect(RateLimitError.isInstance({ name: 'RateLimitError' })).toBe(false)
  })

  it('isInstance holds across duplicate installs (a Symbol.for brand, not instanceof)', async () => {
    // A second copy of the module, as a duplicate install would load it.
    vi.resetModules()
    const copy = await import('./index.js')
    expect(copy.RateLimitError).not.toBe(RateLimitError)
    const foreign = new copy.RateLimitError({ banned: true })
    expect(foreign instanceof RateLimitError).toBe(false)
    expect(RateLimitError.isInstance(foreign)).toBe(true)
    expect(BackboneError.isInstance(foreign)).toBe(true)
    expect(isRetryable(foreign)).toBe(false)
  })

  it('walk() finds a cause by predicate and the deepest cause without one', () => {
    const root = new Error('socket hang up')
    const network = new NetworkError({ cause: root })
    const outer = new ExchangeUnavailableError({ cause: network })
    expect(outer.walk()).toBe(root)
    expect(outer.walk((e) => NetworkError.isInstance(e))).toBe(network)
    expect(outer.walk((e) => TimeoutError.isInstance(e))).toBeNull()
  })

  it('toJSON is plain data with the cause chain', () => {
    const error = new RateLimitError({
      exchange: 'upbit',
      group: 'ticker',
      retryAfterMs: 100,
      status: 429,
      cause: new Error('Too many API requests.'),
      details: { path: '/v1/ticker' },
    })
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'RateLimitError',
      code: 'rate_limit',
      message: 'Rate limit exceeded for group "ticker" on upbit.',
      retryable: true,
      exchange: 'upbit',
      status: 429,
      details: { path: '/v1/ticker' },
      cause: { name: 'Error', message: 'Too many API requests.' },
    })
  })
})

describe('isRetryable and toBackboneError', () => {
  it('classifies raw Node and undici failures', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const headers = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })
    expect(isRetryable(refused)).toBe(true)
    expect(isRetryable(new TypeError('fetch failed', { cause: refused }))).toBe(true)
    expect(isRetryable(new Error('boom'))).toBe(false)
    expect(isRetryable('a string')).toBe(false)
    expect(toBackboneError(refused).code).toBe('network')
    expect(toBackboneError(headers).code).toBe('timeout')
    expect(toBackboneError(new DOMException('stop', 'AbortError')).code).toBe('aborted')
  })

  it('never wraps twice and keeps the original as cause', () => {
    const original = new InvalidOrderError()
    expect(toBackboneError(original)).toBe(original)
    const boom = new Error('boom')
    const wrapped = toBackboneError(boom, { exchange: 'upbit', channel: 'ws' })
    expect(wrapped.cause).toBe(boom)
    expect(wrapped.shortMessage).toBe('Unexpected failure: boom')
    expect(wrapped.channel).toBe('ws')
  })
})

describe('redaction', () => {
  it('removes JWTs, bearer tokens and key=value credentials from strings', () => {
    expect(redact(`Authorization: Bearer ${JWT}`)).toBe(`Authorization: Bearer ${REDACTED}`)
    expect(redact(`token ${JWT} used`)).toBe(`token ${REDACTED} used`)
    expect(redact('access_key=abcd1234efgh&market=KRW-BTC')).toBe(`access_key=${REDACTED}&market=KRW-BTC`)
    expect(redact('{"secret_key":"s3cr3t-value"}')).toBe(`{"secret_key":"${REDACTED}"}`)
    expect(redact('market=KRW-BTC&count=10')).toBe('market=KRW-BTC&count=10')
  })

  it('removes credential-named fields from objects, deeply, without touching the input', () => {
    const input = {
      url: '/v1/accounts',
      headers: { Authorization: `Bearer ${JWT}`, accept: 'application/json' },
      credentials: { accessKey: 'AK', secretKey: 'SK' },
      list: [{ token: 't' }],
    }
    expect(redact(input)).toEqual({
      url: '/v1/accounts',
      headers: { Authorization: REDACTED, accept: 'application/json' },
      credentials: { accessKey: REDACTED, secretKey: REDACTED },
      list: [{ token: REDACTED }],
    })
    expect(input.credentials.secretKey).toBe('SK')
  })

  it('removes registered secrets wherever they appear', () => {
    registerSecret('xK29fLmQ8rT3vB7nWc1ZpD4sHy6gJa0eUo5iRtEq')
    expect(redact('hmac key xK29fLmQ8rT3vB7nWc1ZpD4sHy6gJa0eUo5iRtEq leaked')).toBe(
      `hmac key ${REDACTED} leaked`,
    )
  })

  it('no secret survives into an error message, its details or its JSON', () => {
    const secret = 'Zq8mR2vT6yB1nX4cK7pL9sD3fG5hJ0wE2uI8oA6r'
    registerSecret(secret)
    const error = new AuthenticationError({
      exchange: 'upbit',
      message: `Signature check failed for ${secret}`,
      details: { headers: { authorization: `Bearer ${JWT}` }, query: `access_key=${secret}` },
      cause: new Error(`jwt ${JWT} rejected`),
    })
    const rendered = [error.message, JSON.stringify(error), JSON.stringify(error.details)].join('\n')
    expect(rendered).not.toContain(secret)
    expect(rendered).not.toContain(JWT)
    expect(rendered).toContain(REDACTED)
  })

  it('cuts cycles and keeps class instances as they are', () => {
    const node: Record<string, unknown> = { name: 'a' }
    node.self = node
    const date = new Date(0)
    expect(redact({ node, date })).toEqual({ node: { name: 'a', self: '[Circular]' }, date })
  })

  it('redactingLogger redacts objects and messages before they reach the sink', () => {
    const lines: string[] = []
    const sink = (obj: object, msg?: string) => lines.push(`${msg} ${JSON.stringify(obj)}`)
    const logger = redactingLogger({ debug: sink, info: sink, warn: sink, error: sink })
    logger.info({ headers: { Authorization: `Bearer ${JWT}` } }, `sent ${JWT}`)
    expect(lines).toEqual([`sent ${REDACTED} {"headers":{"Authorization":"${REDACTED}"}}`])
  })
})

describe('errors inside logged values', () => {
  it('an Error nested in a log field is redacted: message, stack and cause, none of them leaking a secret', () => {
    registerSecret('nested-secret-7f3a9c')
    const cause = new Error('inner nested-secret-7f3a9c')
    const error = new Error('outer nested-secret-7f3a9c', { cause })
    const seen: unknown[] = []
    const log = redactingLogger({
      debug: () => {},
      info: () => {},
      warn: (obj: object, msg?: string) => seen.push(obj, msg),
      error: () => {},
    })
    log.warn({ field: { err: error } }, 'failed')
    const text = JSON.stringify(seen)
    expect(text).not.toContain('nested-secret-7f3a9c')
    expect(text).toContain('outer [REDACTED]')
    expect(text).toContain('inner [REDACTED]')
    const top = redact(error) as unknown as { type: string; message: string; stack: string }
    expect(top.type).toBe('Error')
    expect(top.message).toBe('outer [REDACTED]')
    expect(top.stack).not.toContain('nested-secret-7f3a9c')
  })
})

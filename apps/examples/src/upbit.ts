// The @bb/upbit README example (packages/upbit/README.md, the first block).
import { upbit } from '@bb/upbit'

// REST: build, sign, send (in @bb/rest), then read the headers and map errors.
const request = upbit.rest.endpoints.tickers({ symbols: ['KRW-BTC', 'KRW-ETH'] })
console.log(request.method, request.path, request.group, request.auth) // GET /v1/ticker ticker false
console.log(upbit.rest.url(request)) // https://api.upbit.com/v1/ticker?markets=KRW-BTC,KRW-ETH
const balances = upbit.rest.endpoints.balances()
const headers = upbit.rest.sign(balances, { accessKey: 'my-access-key', secretKey: 'my-secret-key' })
console.log(headers.Authorization?.startsWith('Bearer ')) // true: a JWT, for auth: true requests
console.log(JSON.stringify(upbit.rest.parseRateLimitHeader('group=crix-trades; min=600; sec=9')))
// {"group":"trade","wireGroup":"crix-trades","remaining":9,"intervalMs":1000}
const error = upbit.rest.mapError({ status: 429, body: 'Too many API requests.' })
console.log(error.name, error.retryable) // RateLimitError true

// WebSocket: one message carries the whole subscription set of a connection.
const { endpoint, text } = upbit.ws.buildSubscription({
  format: 'SIMPLE',
  streams: [
    { kind: 'trade', symbols: ['KRW-BTC'] },
    { kind: 'orderbook', symbols: ['KRW-BTC'], depth: 15 },
  ],
})
console.log(upbit.ws.urls[endpoint]) // wss://api.upbit.com/websocket/v1
console.log(text.includes('"KRW-BTC.15"')) // true: depth travels as a code suffix
console.log(upbit.ws.heartbeat.pingText, upbit.ws.heartbeat.idleTimeoutMs) // PING 60000
console.log(upbit.ws.classify({ status: 'UP' })) // { type: 'status', status: 'UP' }

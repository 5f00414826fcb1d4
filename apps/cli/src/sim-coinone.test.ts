import { execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// `bb sim --exchange coinone`: the built binary runs the simulator's Coinone profile and prints
// its URLs; the REST and WebSocket it names answer as Coinone does.
const bin = join(import.meta.dirname, '..', 'dist', 'bin.js')

describe('bb sim --exchange coinone', () => {
  it('prints the REST and WS URLs of a Coinone-speaking simulator', async () => {
    const sim = spawn(process.execPath, [bin, 'sim', '--exchange', 'coinone', '--duration', '60'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      let out = ''
      sim.stdout.on('data', (d) => {
        out += String(d)
      })
      for (let k = 0; k < 400 && !/symbols \S+/.test(out); k++) await new Promise((r) => setTimeout(r, 25))
      const restUrl = /REST (http:\/\/\S+?)\/public\/v2/.exec(out)?.[1]
      const wsUrl = /WS\s+(ws:\/\/\S+)/.exec(out)?.[1]
      expect(restUrl, out).toBeDefined()
      expect(wsUrl, out).toBeDefined()
      expect(out).toMatch(/symbols BTC\/KRW,ETH\/KRW,/)
      const body = (await (await fetch(`${restUrl}/public/v2/ticker_new/KRW/BTC`)).json()) as {
        result: string
        tickers: { target_currency: string }[]
      }
      expect(body.result).toBe('success')
      expect(body.tickers[0]?.target_currency).toBe('btc')
    } finally {
      sim.kill()
    }
  }, 90_000)

  it('an exchange the simulator does not speak is a usage error', async () => {
    const error = await promisify(execFile)(process.execPath, [bin, 'sim', '--exchange', 'kraken'], {
      timeout: 60_000,
    }).catch((e: { code: number; stderr: string }) => e)
    expect((error as { code: number }).code).toBe(2)
    expect((error as { stderr: string }).stderr).toMatch(/upbit, binance or coinone/)
  })
})

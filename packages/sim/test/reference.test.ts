import { describe, expect, it } from 'vitest'
import { startSim } from '../src/index.js'

const START = Date.UTC(2025, 5, 24, 12)

async function json(url: string): Promise<unknown> {
  const res = await fetch(url)
  expect(res.status, url).toBe(200)
  return res.json()
}

// Correlated prices across profiles: the Upbit profile's markets follow the Binance profile's
// path of the same base, converted at the FX rate with the premium.
describe('reference: one price path across simulators, an FX rate and a premium', () => {
  it('KRW markets track the Binance USDT market × FX × (1 + premium) minute by minute; KRW-USDT is the FX rate', async () => {
    const binance = await startSim({ exchange: 'binance', port: 0, seed: 5, speed: 0, startTime: START })
    const upbit = await startSim({
      port: 0,
      seed: 5,
      speed: 0,
      startTime: START,
      markets: ['KRW-BTC', 'KRW-ETH', 'USDT-BTC', 'KRW-USDT', 'KRW-SHIB'],
      reference: { fx: { KRW: 1400 }, premiumPct: 3 },
      limits: false,
    })
    // Coinone's KRW pairs follow the same path at the same KRW premium.
    const coinone = await startSim({
      exchange: 'coinone',
      port: 0,
      seed: 5,
      speed: 0,
      startTime: START,
      markets: ['BTC', 'ETH'],
      reference: { fx: { KRW: 1400 }, premiumPct: 3 },
      coinone: false,
    })
    try {
      const rows: string[] = []
      const moves: number[] = []
      let first: number | undefined
      for (let minute = 0; minute <= 60; minute += 10) {
        if (minute > 0) {
          upbit.advance(10 * 60_000)
          binance.advance(10 * 60_000)
          coinone.advance(10 * 60_000)
        }
        const up = (await json(`${upbit.restUrl}/v1/ticker?markets=KRW-BTC,KRW-ETH,USDT-BTC,KRW-USDT`)) as {
          market: string
          trade_price: number
        }[]
        const price = (code: string) => up.find((t) => t.market === code)?.trade_price as number
        const bn = async (symbol: string) =>
          Number(
            ((await json(`${binance.restUrl}/api/v3/ticker/price?symbol=${symbol}`)) as { price: string })
              .price,
          )
        const btc = await bn('BTCUSDT')
        const eth = await bn('ETHUSDT')
        const coinoneBtc = Number(
          ((await json(`${coinone.restUrl}/public/v2/ticker_new/KRW/BTC`)) as { tickers: { last: string }[] })
            .tickers[0]?.last,
        )
        const coinonePremium = coinoneBtc / (btc * 1400) - 1
        const krwPremium = price('KRW-BTC') / (btc * 1400) - 1
        const ethPremium = price('KRW-ETH') / (eth * 1400) - 1
        const usdtRatio = price('USDT-BTC') / btc - 1
        rows.push(
          `+${minute}m KRW-BTC ${price('KRW-BTC')} BTCUSDT ${btc} premium ${(krwPremium * 100).toFixed(3)}% ETH ${(ethPremium * 100).toFixed(3)}% USDT-BTC/BTCUSDT ${(usdtRatio * 100).toFixed(3)}% KRW-USDT ${price('KRW-USDT')}`,
        )
        first ??= btc
        moves.push(Math.abs(btc / first - 1))
        // Within a minute each exchange has its own trades: the premium is 3 % ± the intra-minute noise.
        expect(Math.abs(krwPremium - 0.03), rows.join('\n')).toBeLessThan(0.004)
        expect(
          Math.abs(coinonePremium - 0.03),
          `${rows.join('\n')}\ncoinone BTC/KRW ${coinoneBtc}`,
        ).toBeLessThan(0.004)
        expect(Math.abs(ethPremium - 0.03), rows.join('\n')).toBeLessThan(0.006)
        expect(Math.abs(usdtRatio), rows.join('\n')).toBeLessThan(0.004)
        expect(Math.abs(price('KRW-USDT') / 1400 - 1), rows.join('\n')).toBeLessThan(0.01)
      }
      // The path moved (the check above is not two constant prices).
      expect(Math.max(...moves), rows.join('\n')).toBeGreaterThan(0.001)
    } finally {
      await upbit.close()
      await binance.close()
      await coinone.close()
    }
  }, 60_000)

  it('bad reference options are a RangeError naming the value', async () => {
    await expect(startSim({ port: 0, reference: { fx: { KRW: -1 } } })).rejects.toThrow(
      /reference\.fx\.KRW must be a finite number > 0/,
    )
    await expect(startSim({ port: 0, reference: { premiumPct: -120 } })).rejects.toThrow(
      /reference\.premiumPct\.KRW must be a finite percent > -100/,
    )
    await expect(startSim({ port: 0, reference: { markets: ['NOPEUSDT'] } })).rejects.toThrow(
      /Unknown Binance symbol "NOPEUSDT"/,
    )
  })
})

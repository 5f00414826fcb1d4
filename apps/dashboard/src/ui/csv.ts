import type { FillJson } from './store.js'

const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text)

/** The fills as CSV, decimals exactly as the server sent them (strings, never re-parsed). */
export function fillsToCsv(fills: readonly FillJson[]): string {
  const header = 'time,symbol,side,price,volume,funds,fee,rule,decision'
  const lines = fills.map((f) =>
    [
      new Date(f.fill.timestamp).toISOString(),
      f.fill.symbol,
      f.fill.side,
      f.fill.price,
      f.fill.volume,
      f.fill.funds,
      f.fill.fee,
      f.ruleId,
      String(f.decisionId),
    ]
      .map(quote)
      .join(','),
  )
  return `${[header, ...lines].join('\n')}\n`
}

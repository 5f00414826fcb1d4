import { clipText } from '@bb/errors'

/**
 * A short, always-printable description of any value for an error message: strings quoted,
 * `NaN`, `Infinity`, `12n`, `undefined`, `Symbol(x)`, `null`, objects as JSON when they can be
 * (`[object Object]` when not), cut to 80 characters. Never throws.
 */
export function describeValue(value: unknown): string {
  let text: string
  switch (typeof value) {
    case 'string':
      text = JSON.stringify(value.length > 100 ? value.slice(0, 100) : value)
      break
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'symbol':
      text = String(value)
      break
    case 'bigint':
      text = `${value}n`
      break
    case 'function':
      text = 'a function'
      break
    default:
      try {
        text = JSON.stringify(value) ?? Object.prototype.toString.call(value)
      } catch {
        text = Object.prototype.toString.call(value)
      }
  }
  return clipText(text, 77).replace(/… \[\d+ more characters\]$/, '...')
}

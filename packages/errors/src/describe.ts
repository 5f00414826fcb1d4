/**
 * A short, always-printable description of any value for an error message: strings quoted,
 * `NaN`, `Infinity`, `12n`, `undefined`, `Symbol(x)`, `null`, objects as JSON when they can be
 * (`[object Object]` when not), cut to `max` (default 80) characters with `...`. Never throws,
 * and costs the same for a 1 MB string as for a short one.
 *
 * @example
 * ```ts
 * import { describeValue } from '@bb/errors'
 * describeValue(12n) // '12n'
 * describeValue(Number.NaN) // 'NaN'
 * describeValue('KRW-NOPE') // '"KRW-NOPE"'
 * ```
 */
export function describeValue(value: unknown, max = 80): string {
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
  return text.length > max ? `${text.slice(0, max - 3)}...` : text
}

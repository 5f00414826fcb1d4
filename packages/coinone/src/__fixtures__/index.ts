import { readFileSync } from 'node:fs'

/** Reads one recorded Coinone payload (the raw text, digits exactly as on the wire). */
export function fixture(name: string): string {
  return readFileSync(new URL(`./${name}.jsonl`, import.meta.url), 'utf8').trim()
}

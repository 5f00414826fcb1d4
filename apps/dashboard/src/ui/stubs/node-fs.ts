// @bb/rules reads CSV files with node:fs in backtests; the browser bundle only validates strategies
// and never reads files, so the import resolves to this stub.

/** Not available in the browser. */
export function readFile(): never {
  throw new Error('Reading files is not available in the browser.')
}

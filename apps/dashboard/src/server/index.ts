/**
 * The Backbone dashboard's server: {@link startDashboard} serves the single-page UI on 127.0.0.1
 * with one SSE stream per tab and zod-validated REST commands.
 *
 * @packageDocumentation
 */
export { type Dashboard, type DashboardOptions, startDashboard } from './dashboard.js'
export { EventHub, type HubEvent, type Replay } from './hub.js'
export {
  type AddKeyOptions,
  addKey,
  type Credentials,
  defaultKeyFile,
  KEY_FILE_ENV,
  listKeys,
  loadKey,
  PASSPHRASE_ENV,
  removeKey,
  type StoredKeyInfo,
} from './keys.js'
export type { Cell, MarketRow, TapeTrade } from './market.js'

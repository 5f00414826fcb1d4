/**
 * The router's composition root: the one file of `@bb/router` that names a concrete exchange.
 * Everything else in the package takes an adapter or an {@link AdapterRegistry} and stays
 * exchange-neutral (the `lint:neutral` check exempts exactly this file, through its
 * `COMPOSITION_ROOTS` list). It exists so that the package users import works without wiring:
 * `createBackbone()` and `createBackbone({ exchange: 'upbit' })` (or `'binance'`, `'coinone'`) resolve through this
 * registry.
 * An app that wants other exchanges passes `exchanges` (a registry) or an adapter object.
 *
 * @module
 */
import { binance } from '@bb/binance'
import { coinone } from '@bb/coinone'
import { type AdapterRegistry, createAdapterRegistry } from '@bb/exchange-adapter'
import { upbit } from '@bb/upbit'

/** The exchanges `createBackbone` knows by name when no `exchanges` registry is passed; the first is the default. */
export const defaultExchanges: AdapterRegistry = createAdapterRegistry([upbit, binance, coinone])

// `toAsyncIterable` lives in `@bb/utils`; the router re-exports it for its users.
export { type AsyncIterableOptions, toAsyncIterable } from '@bb/utils'

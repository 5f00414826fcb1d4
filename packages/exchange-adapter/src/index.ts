/**
 * The `ExchangeAdapter` contract — data and pure functions, no I/O — and nothing exchange-specific:
 * types, the field-map machinery, market rules, symbol helpers and the adapter registry. Each
 * exchange is its own package implementing the contract; `@bb/rest` calls the endpoint builders,
 * signer, rate-limit header parser and error mapper; `@bb/ws` calls the subscription builder, frame
 * classifier and heartbeat policy; `@bb/unifier` compiles the field maps. The conformance kit is
 * `@bb/adapter-testing`.
 *
 * @packageDocumentation
 */
export {
  type AnyModel,
  type BooleanRule,
  type ConstRule,
  type CustomRule,
  type CustomRuleHelpers,
  type DateTimeRule,
  type DecimalRule,
  type EnumRule,
  type FieldMap,
  type FieldMaps,
  type FieldRule,
  type FieldSource,
  type IdRule,
  type IntegerRule,
  type LevelRule,
  type LevelsRule,
  type MappedFields,
  type MarketSymbol,
  MODEL_KINDS,
  type ModelKind,
  type ModelOf,
  type RawShape,
  type ShapeDeclaration,
  type ShapeMaps,
  type StringRule,
  type SymbolRule,
  type TimestampRule,
} from './field-map.js'
export { type JwtAlgorithm, signJwt } from './jwt.js'
export { checkOrderParams } from './orders.js'
export { bodyQueryString, formatQuery, rawQueryString } from './query.js'
export { type AdapterRegistry, createAdapterRegistry } from './registry.js'
export type {
  BodyValue,
  CandlesParams,
  Capabilities,
  ChannelCapability,
  ClosedOrdersParams,
  CreateOrderParams,
  Credentials,
  DiffBookCapability,
  ErrorResponse,
  ExchangeAdapter,
  FeeRates,
  FillRow,
  FrameClass,
  HeartbeatPolicy,
  HttpMethod,
  MarketRules,
  MyTradesParams,
  OpenOrdersParams,
  OrderbookParams,
  OrderChanceFields,
  OrderRef,
  QueryParam,
  RateLimitGroup,
  RateLimitState,
  RateLimitWindow,
  RestApi,
  RestEndpoints,
  RestRequest,
  SignableRequest,
  SignOptions,
  StreamRequest,
  SubscriptionMessage,
  SubscriptionOptions,
  SymbolRules,
  TradesParams,
  WsApi,
  WsEndpoint,
  WsLimits,
} from './types.js'

// The @bb/exchange-adapter README example (packages/exchange-adapter/README.md, the first block).
import { BackboneError } from '@bb/errors'
import { createAdapterRegistry } from '@bb/exchange-adapter'
import { Decimal } from '@bb/models'
import { upbit } from '@bb/upbit'

// The contract knows no exchange: an app (or @bb/router, for its default) registers the adapters.
const registry = createAdapterRegistry([upbit])
console.log(registry.ids) // [ 'upbit' ]
const adapter = registry.get('upbit')

// Raw shapes and market rules are declared by the adapter, not listed in the contract.
console.log(adapter.shapes.rest, adapter.shapes.ws.join(',')) // rest ws,wsSimple
const { market } = adapter
console.log(
  market.minOrderTotal('KRW-BTC').toString(),
  market.fees('KRW-BTC').taker.toString(),
  market.tickSize('KRW-BTC', new Decimal('143250000')).toString(),
) // 5000 0.0005 1000

try {
  registry.get('nowhere')
} catch (error) {
  if (BackboneError.isInstance(error)) console.log(error.name, (error as { param?: string }).param) // InvalidRequestError exchange
}

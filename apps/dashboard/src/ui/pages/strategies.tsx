/** Strategies and the trigger builder. */
export function StrategiesPage() {
  return <h1>Strategies</h1>
}

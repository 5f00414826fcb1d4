/** Portfolio (dry-run). */
export function PortfolioPage() {
  return <h1>Portfolio</h1>
}

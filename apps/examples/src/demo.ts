// Runs the models and errors README examples together (`pnpm demo` at the root is `bb demo`).
console.log('Backbone — models and errors examples\n')
console.log('── @bb/models ──')
await import('./models.js')
console.log('\n── @bb/errors ──')
await import('./errors.js')

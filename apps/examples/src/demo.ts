// The interim main job: until @bb/router and the `bb demo` live view land, `pnpm demo` runs the
// models and errors examples.
console.log('Backbone — models and errors (the live sim demo arrives with @bb/router)\n')
console.log('── @bb/models ──')
await import('./models.js')
console.log('\n── @bb/errors ──')
await import('./errors.js')

import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The single-page UI: Preact through esbuild's automatic JSX runtime (no framework plugin needed),
// built into dist/ui, which the server serves.
export default defineConfig({
  root: fileURLToPath(new URL('./src/ui', import.meta.url)),
  base: '/',
  // @bb/rules imports node:fs/promises for CSV files; the page never reads files.
  resolve: {
    alias: { 'node:fs/promises': fileURLToPath(new URL('./src/ui/stubs/node-fs.ts', import.meta.url)) },
  },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('./dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
})

// Lint: typescript-eslint recommended rules plus the import boundaries of DEVELOPERS.md.
import { readdirSync } from 'node:fs'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const boundary = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] })

export default tseslint.config(
  { ignores: ['node_modules/**', 'var/**', 'out/**', 'models/**', 'web/dist/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        AbortController: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // The pure core: no I/O, no adapters, no engine, no app.
  {
    files: ['src/core/**/*.ts', 'src/lib/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: boundary([
      {
        group: ['node:*', 'fs', 'http', 'https', 'net', 'ws', 'pino', 'better-sqlite3'],
        message: 'core is pure: no I/O',
      },
      {
        group: ['**/adapters/**', '**/engine/**', '**/sim/**', '**/app/**', '**/training/**'],
        message: 'core imports only lib',
      },
    ]),
  },
  // Each adapter imports only core and lib: never the engine, the app, or another adapter.
  // Every folder under src/adapters is one adapter (listed from disk, so a new one is covered at once).
  ...readdirSync(new URL('./src/adapters', import.meta.url), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .map((name) => ({
      files: [`src/adapters/${name}/**/*.ts`],
      rules: boundary([
        {
          group: ['**/engine/**', '**/sim/**', '**/app/**', '**/training/**'],
          message: 'adapters import only core and lib',
        },
        {
          group: ['../*/**', '!../../**', '**/adapters/**'],
          message: 'an adapter never imports another adapter',
        },
      ]),
    })),
  {
    files: ['src/engine/**/*.ts', 'src/sim/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: boundary([
      { group: ['**/app/**', '**/training/**'], message: 'engine and sim never import the app' },
    ]),
  },
  { files: ['scripts/**', 'bench/**', 'bin/**', 'src/app/commands/**'], rules: { 'no-console': 'off' } },
  // The dashboard runs in the browser.
  {
    files: ['web/**/*.js'],
    languageOptions: {
      globals: {
        document: 'readonly',
        window: 'readonly',
        EventSource: 'readonly',
        alert: 'readonly',
        confirm: 'readonly',
        prompt: 'readonly',
        fetch: 'readonly',
        uPlot: 'readonly',
        devicePixelRatio: 'readonly',
      },
    },
  },
)

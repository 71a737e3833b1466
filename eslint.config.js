// ESLint for the officers' portal (pwa/): plain ES modules run as-is by the phone's browser.
import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    ignores: [
      'node_modules/',
      '.venv/',
      'test-artifacts/',
      'pwa/tools/',
      // the charting library as released (its own build), served by reporting-api
      'services/reporting-api/src/reporting_api/dashboard/static/vendor/',
    ],
  },
  js.configs.recommended,
  {
    files: ['pwa/**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-implicit-globals': 'error',
      'no-shadow': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // reporting-api's dashboard: the same rules, with Chart.js from its own script tag
    files: ['services/reporting-api/src/reporting_api/dashboard/static/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-implicit-globals': 'error',
      'no-shadow': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['pwa/sw.js'],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ['eslint.config.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
];

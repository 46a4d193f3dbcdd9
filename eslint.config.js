import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'data/', '**/fixtures/**', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  {
    // Generated stubs keep the solution's signatures and imports; the student's code will use them.
    files: ['exercises/**/*.ts'],
    ignores: ['exercises/**/*.test.ts'],
    // An async stub's body is a throw, so it has no await (yet).
    rules: { '@typescript-eslint/no-unused-vars': 'off', '@typescript-eslint/require-await': 'off' },
  },
  {
    // The stub generator turns function bodies into throws: an inferred return type would become `never`.
    files: ['solutions/**/*.ts'],
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'error' },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);

/**
 * What a submitted file may import, and what in it an instructor may want to look at.
 *
 * Rules (a violation costs the file's exercise, like a compile error):
 * - imports (static, `export … from`, and `import()` with a literal) may name: another stub file of
 *   `exercises/` (relatively), `#kit/…`, a package the kit depends on, or a module the stub itself
 *   imports (e.g. a `node:` module the reference solution uses); `import()` of a computed name is refused;
 * - no `process.getBuiltinModule`, `process.binding`, `process.dlopen`, `module.createRequire`: they
 *   reach `fs` and `child_process` around the import rule.
 * Review flags (reported, not penalised): uses of `process.exit/kill/send/env`, `globalThis`,
 * `eval`/`Function`, `Symbol.for`, `asymmetricMatch`, anything mentioning vitest, `/proc`, the
 * rubric or hidden tests, and assignments to properties of built-ins.
 */
import path from 'node:path';
import ts from 'typescript';

export interface Finding {
  file: string;
  line: number;
  message: string;
  /** The raw cause of a failure on the grader's side, for the instructor (report.json only). */
  detail?: string;
}

export interface PolicyResult {
  violations: Finding[];
  flags: Finding[];
  /** Repo-relative stub files this file imports (for "costs the exercises that import it"). */
  imports: string[];
}

const FORBIDDEN_MEMBERS = new Set(['getBuiltinModule', 'binding', '_linkedBinding', 'dlopen', 'createRequire']);
const BUILTIN_GLOBALS = new Set([
  'Object', 'Array', 'Function', 'String', 'Number', 'Boolean', 'Math', 'JSON', 'Reflect', 'Promise', 'Error',
  'Symbol', 'Map', 'Set', 'RegExp', 'Float64Array', 'Float32Array', 'Int32Array', 'Uint8Array', 'process', 'globalThis', 'console',
]);
const FLAGGED_PROCESS = new Set(['exit', 'reallyExit', 'abort', 'kill', 'send', 'env', 'on', 'once', 'disconnect', 'chdir', 'umask']);
const SUSPICIOUS_TEXT = /vitest|__vitest|chai|\/proc\/|rubric|grading\/|solutions\/|\.hidden\.|asymmetricMatch|jest-matchers/i;

export interface PolicyContext {
  /** Repo-relative path of the file being checked, e.g. `exercises/01-he-init/he-init.ts`. */
  file: string;
  /** All stub paths (repo-relative): the files a submission may import relatively. */
  stubPaths: ReadonlySet<string>;
  /** Module specifiers the untouched stub of this file imports (always allowed). */
  stubImports: ReadonlySet<string>;
  /** Packages the kit depends on (package.json dependencies). */
  packages: ReadonlySet<string>;
}

/** Module specifiers that a source text imports (static and literal dynamic). */
export function importsOf(text: string, file = 'file.ts'): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteralLike(arg)) out.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * The stub file a relative import names, the way the tests' toolchain finds it: tsc (NodeNext, with
 * allowImportingTsExtensions) reads `./x.js` as `./x.ts`, and vitest also finds the extension-less
 * `./x`; so `./x.ts`, `./x.js` and `./x` all name the stub `x.ts`. Anything else — a query such as
 * `?raw`, another extension, a folder — names no stub.
 */
export function stubTarget(file: string, spec: string, stubPaths: ReadonlySet<string>): string | undefined {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
  const stub = target.endsWith('.ts') ? target : target.endsWith('.js') ? `${target.slice(0, -3)}.ts` : `${target}.ts`;
  return stubPaths.has(stub) ? stub : undefined;
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export function checkPolicy(text: string, ctx: PolicyContext): PolicyResult {
  const sf = ts.createSourceFile(ctx.file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const result: PolicyResult = { violations: [], flags: [], imports: [] };
  const at = (node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const violation = (node: ts.Node, message: string): void => {
    result.violations.push({ file: ctx.file, line: at(node), message });
  };
  const flag = (node: ts.Node, message: string): void => {
    if (result.flags.length < 50) result.flags.push({ file: ctx.file, line: at(node), message });
  };

  // Triple-slash directives pull any file into the compiler's program, and its type errors could quote
  // that file (a hidden test, a file of the grading machine): a submission has no use for them.
  const line = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;
  for (const ref of [...sf.referencedFiles, ...sf.typeReferenceDirectives, ...sf.libReferenceDirectives]) {
    result.violations.push({
      file: ctx.file, line: line(ref.pos),
      message: `\`/// <reference … "${ref.fileName}" />\` is not allowed in a submission: import what you need by its module name instead`,
    });
  }

  const checkSpecifier = (node: ts.Node, spec: string): void => {
    if (spec.startsWith('.')) {
      const stub = stubTarget(ctx.file, spec, ctx.stubPaths);
      if (stub !== undefined) {
        result.imports.push(stub);
        return;
      }
      if (ctx.stubImports.has(spec)) return;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(ctx.file), spec));
      violation(node, `imports "${spec}" (${target}), which is not a stub file of exercises/: a submission may import only the kit (#kit/…), the packages the kit uses, and the other exercise files it is given`);
      return;
    }
    if (ctx.stubImports.has(spec)) return;
    if (spec.startsWith('#kit/')) return;
    if (!spec.startsWith('node:') && ctx.packages.has(packageOf(spec))) return;
    violation(node, `imports "${spec}", which a submission may not use: only the kit (#kit/…), the packages the kit depends on (${[...ctx.packages].join(', ')}), other exercise files, and what the stub already imports are allowed`);
  };

  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      checkSpecifier(node, node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      violation(node, '`import x = require(...)` is not allowed in a submission; use an import declaration');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteralLike(arg)) checkSpecifier(node, arg.text);
      else violation(node, '`import()` of a computed module name is not allowed in a submission; import modules by their literal name');
    } else if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const name = ts.isPropertyAccessExpression(node)
        ? node.name.text
        : ts.isStringLiteralLike(node.argumentExpression) ? node.argumentExpression.text : undefined;
      if (name !== undefined && FORBIDDEN_MEMBERS.has(name)) {
        violation(node, `\`${name}\` is not allowed in a submission: it loads Node's internals around the import rule`);
      }
      const owner = node.expression.getText(sf);
      if (owner === 'import.meta' && name !== undefined && /^glob/.test(name)) {
        // vite's import.meta.glob reads files through the test runner, past the import rule.
        violation(node, `\`import.meta.${name}\` is not allowed in a submission: it reads files through the test runner; import modules by their literal name`);
      }
      if (name !== undefined && owner === 'process' && FLAGGED_PROCESS.has(name)) flag(node, `uses process.${name}`);
      if (name === 'asymmetricMatch') flag(node, 'mentions asymmetricMatch (a value that decides its own equality)');
      if (name === 'random' && owner === 'Math') flag(node, 'uses Math.random (the kit passes seeded generators instead)');
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const target = node.left;
      if (ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target)) {
        const root = target.getText(sf).split(/[.[]/)[0]!;
        if (BUILTIN_GLOBALS.has(root)) flag(node, `assigns to ${target.getText(sf).slice(0, 60)} (a built-in)`);
      }
    } else if (ts.isIdentifier(node)) {
      const t = node.text;
      if (t === 'globalThis' || t === 'global') flag(node, `uses ${t}`);
      else if (t === 'eval') flag(node, 'uses eval');
      else if (t === 'Function' && ts.isNewExpression(node.parent)) flag(node, 'builds a function from a string (new Function)');
      else if (t === 'Proxy') flag(node, 'uses Proxy');
      else if (/vitest/i.test(t)) flag(node, `mentions ${t}`);
    } else if (ts.isStringLiteralLike(node) && SUSPICIOUS_TEXT.test(node.text)) {
      flag(node, `a string mentions ${JSON.stringify(node.text.slice(0, 60))}`);
    }
    if (ts.isCallExpression(node) && node.expression.getText(sf) === 'Symbol.for') flag(node, 'uses Symbol.for (reaches shared registries such as the test runner\'s)');
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return result;
}

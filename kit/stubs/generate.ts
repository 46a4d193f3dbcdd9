import ts from 'typescript';
import { KitError } from '#kit/errors';

const BEGIN = /^([ \t]*)\/\/ BEGIN SOLUTION\b.*$/;
const END = /^[ \t]*\/\/ END SOLUTION\b.*$/;
const IMPORT_LINE = "import { NotImplemented } from '#kit/errors';";

interface Region {
  /** 0-based line index of the BEGIN marker. */
  begin: number;
  /** 0-based line index of the END marker. */
  end: number;
  indent: string;
}

function findRegions(lines: readonly string[], file: string): Region[] {
  const regions: Region[] = [];
  let open: { line: number; indent: string } | undefined;
  lines.forEach((line, i) => {
    const begin = BEGIN.exec(line);
    if (begin) {
      if (open) {
        throw new KitError(
          `${file}:${i + 1}: "// BEGIN SOLUTION" inside the region opened at line ${open.line + 1}. ` +
            `Regions cannot nest: close the first one with "// END SOLUTION" before opening another.`,
        );
      }
      open = { line: i, indent: begin[1] ?? '' };
    } else if (END.test(line)) {
      if (!open) {
        throw new KitError(
          `${file}:${i + 1}: "// END SOLUTION" without a matching "// BEGIN SOLUTION" above it. ` +
            `Add the BEGIN marker where the student's code starts, or delete this line.`,
        );
      }
      regions.push({ begin: open.line, end: i, indent: open.indent });
      open = undefined;
    }
  });
  if (open) {
    throw new KitError(
      `${file}:${open.line + 1}: "// BEGIN SOLUTION" is never closed. Add "// END SOLUTION" after the ` +
        `last line of the reference code.`,
    );
  }
  return regions;
}

function nameOf(node: ts.Node, sf: ts.SourceFile): string | undefined {
  const parentClass = (n: ts.Node): string =>
    ts.isClassLike(n.parent) && n.parent.name ? `${n.parent.name.getText(sf)}.` : '';
  if (ts.isFunctionDeclaration(node) && node.name) return node.name.getText(sf);
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) {
    return `${parentClass(node)}${node.name.getText(sf)}`;
  }
  if (ts.isConstructorDeclaration(node)) return `${parentClass(node).replace(/\.$/, '')} constructor`;
  if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isVariableDeclaration(node.parent)) {
    return node.parent.name.getText(sf);
  }
  if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isPropertyDeclaration(node.parent)) {
    return `${parentClass(node.parent)}${node.parent.name.getText(sf)}`;
  }
  return undefined;
}

/** The innermost named function whose body holds `pos`, or undefined at top level. */
function enclosingFunction(sf: ts.SourceFile, pos: number): string | undefined {
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (pos < node.getStart(sf) || pos >= node.getEnd()) return;
    if (ts.isFunctionLike(node)) found = nameOf(node, sf) ?? found;
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function importsNotImplemented(imports: readonly ts.ImportDeclaration[]): boolean {
  return imports.some((d) => {
    const named = d.importClause?.namedBindings;
    return named !== undefined && ts.isNamedImports(named) && named.elements.some((e) => e.name.text === 'NotImplemented');
  });
}

function addImport(text: string, sf: ts.SourceFile): string {
  const imports = sf.statements.filter(ts.isImportDeclaration);
  if (importsNotImplemented(imports)) return text;
  const fromErrors = imports.find(
    (d) => ts.isStringLiteral(d.moduleSpecifier) && d.moduleSpecifier.text === '#kit/errors',
  );
  const named = fromErrors?.importClause?.namedBindings;
  if (fromErrors && named && ts.isNamedImports(named) && fromErrors.importClause?.phaseModifier !== ts.SyntaxKind.TypeKeyword) {
    const last = named.elements[named.elements.length - 1];
    if (last) return `${text.slice(0, last.getEnd())}, NotImplemented${text.slice(last.getEnd())}`;
  }
  const lastImport = imports[imports.length - 1];
  if (!lastImport) return `${IMPORT_LINE}\n\n${text}`;
  const at = lastImport.getEnd();
  return `${text.slice(0, at)}\n${IMPORT_LINE}${text.slice(at)}`;
}

export interface StubResult {
  text: string;
  /** Functions the student implements, in file order. */
  functions: string[];
}

/**
 * Turns a reference solution into the student's stub (ARCHITECTURE.md contract 1): every
 * `// BEGIN SOLUTION` … `// END SOLUTION` region inside a function becomes `// YOUR CODE HERE`
 * and a `NotImplemented` throw naming that function; a region at top level (solution-only
 * helpers) is dropped.
 */
export function stubFromSolution(source: string, file: string): StubResult {
  const lines = source.split('\n');
  const regions = findRegions(lines, file);
  if (regions.length === 0) return { text: source, functions: [] };
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineStarts = sf.getLineStarts();
  const functions: string[] = [];
  const out: string[] = [];
  let cursor = 0;
  for (const r of regions) {
    out.push(...lines.slice(cursor, r.begin));
    const fn = enclosingFunction(sf, lineStarts[r.begin] ?? 0);
    out.push(`${r.indent}// YOUR CODE HERE`);
    if (fn !== undefined) {
      out.push(`${r.indent}throw new NotImplemented('${fn}');`);
      if (!functions.includes(fn)) functions.push(fn);
    }
    cursor = r.end + 1;
  }
  out.push(...lines.slice(cursor));
  let text = out.join('\n');
  if (functions.length > 0) {
    text = addImport(text, ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  }
  return { text, functions };
}

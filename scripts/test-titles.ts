/**
 * The title paths of a test file's tests, read from its source (TypeScript's parser, nothing run), for
 * the structural checks of an exercise: `describe`/`suite` names and `it`/`test` names as written. A
 * title that is computed (a template with `${…}`, a sum of strings, an `.each` name with `%s` or `$x`, a variable) is
 * known only up to its first computed part, and marked so. The grader's own check runs the files and
 * sees every title; this one needs no run, so an author hears about a test no rubric item matches
 * before anything is collected.
 */
import ts from 'typescript';
import { matchesPattern, TITLE_SEPARATOR } from '#kit/points';

export interface TitleSegment {
  text: string;
  /** False when only a prefix (`text`) of the name is known. */
  exact: boolean;
}

export interface StaticTest {
  title: TitleSegment[];
  /** 1-based line of the `it`/`test` call. */
  line: number;
}

const SUITES = new Set(['describe', 'suite']);
const TESTS = new Set(['it', 'test']);

/** The name a call is made through: `describe`, `it.each([…])`, `describe.skipIf(x)` → describe / it / describe. */
function baseName(callee: ts.Expression): { name: string; each: boolean } | undefined {
  let e = callee;
  let each = false;
  for (;;) {
    if (ts.isIdentifier(e)) return { name: e.text, each };
    if (ts.isPropertyAccessExpression(e)) {
      if (e.name.text === 'each' || e.name.text === 'for') each = true;
      e = e.expression;
    } else if (ts.isCallExpression(e)) {
      e = e.expression;
    } else {
      return undefined;
    }
  }
}

/** What is known of a title argument. `.each` names are formatted by vitest (`%s`, `$name`): known up to there. */
function segmentOf(arg: ts.Expression | undefined, each: boolean): TitleSegment {
  const cut = (text: string): TitleSegment => {
    if (!each) return { text, exact: true };
    const at = text.search(/%|\$/);
    return at < 0 ? { text, exact: true } : { text: text.slice(0, at), exact: false };
  };
  if (arg === undefined) return { text: '', exact: false };
  if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) return cut(arg.text);
  if (ts.isTemplateExpression(arg)) return { text: cut(arg.head.text).text, exact: false };
  // 'in a loop ' + k: known up to the first part that is not a literal.
  if (ts.isBinaryExpression(arg) && arg.operatorToken.kind === ts.SyntaxKind.PlusToken) return { text: segmentOf(arg.left, each).text, exact: false };
  if (ts.isParenthesizedExpression(arg)) return segmentOf(arg.expression, each);
  return { text: '', exact: false };
}

/** Every test the file defines, with its describe names, as far as the source says. */
export function staticTests(source: string, fileName = 'x.test.ts'): StaticTest[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: StaticTest[] = [];
  const visit = (node: ts.Node, path: TitleSegment[]): void => {
    if (ts.isCallExpression(node)) {
      const base = baseName(node.expression);
      if (base !== undefined && (SUITES.has(base.name) || TESTS.has(base.name)) && node.arguments.length > 0) {
        const segment = segmentOf(node.arguments[0], base.each);
        if (TESTS.has(base.name)) {
          out.push({ title: [...path, segment], line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
          return;
        }
        for (const arg of node.arguments.slice(1)) visit(arg, [...path, segment]);
        return;
      }
    }
    ts.forEachChild(node, (child) => { visit(child, path); });
  };
  visit(sf, []);
  return out;
}

export const showTitle = (t: readonly TitleSegment[]): string => t.map((s) => (s.exact ? s.text : `${s.text}…`)).join(TITLE_SEPARATOR);

/** Does `pattern` surely match the test (its known prefixes already match)? */
export function surelyMatches(pattern: string, title: readonly TitleSegment[]): boolean {
  return matchesPattern(pattern, title.map((s) => s.text));
}

/** Could `pattern` match the test, given that computed names are known only up to a prefix? */
export function mayMatch(pattern: string, title: readonly TitleSegment[]): boolean {
  const parts = pattern.split(TITLE_SEPARATOR);
  if (parts.length > title.length) return false;
  return parts.every((p, i) => {
    const s = title[i]!;
    return s.text.startsWith(p) || (!s.exact && p.startsWith(s.text));
  });
}

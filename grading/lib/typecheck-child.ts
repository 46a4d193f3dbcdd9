/**
 * A type-check server, run as a child process by `typecheck.ts` so that a pathological submission (a
 * type that takes the compiler minutes) costs a time limit, not the grader. One request per line on
 * stdin, `{"root": <workspace>, "files": [<root files>]}`; one answer per line on stdout, the
 * diagnostics as JSON. The compiler only parses student code, never runs it.
 *
 * It lives across submissions to keep what every workspace shares: the parsed declaration files of
 * node_modules (the same real paths in every workspace). That cuts a check from ~4 s to ~1 s of CPU.
 */
import path from 'node:path';
import readline from 'node:readline';
import ts from 'typescript';

export interface Diagnostic {
  /** Workspace-relative path ('' for a global diagnostic). */
  file: string;
  line: number;
  code: number;
  message: string;
  /** A syntax error: the file cannot even be parsed. */
  syntactic: boolean;
  /**
   * For an error in a test file: the literal titles of the describe/it blocks around it (a template
   * title contributes its text up to the first substitution, and ends the list). The grader matches
   * them to a rubric item, so that a hidden test's error can be reported without its text.
   */
  titles?: string[];
  /** …and the declaration of a stub file that the failing code uses, when the checker can tell. */
  subject?: { file: string; name: string; line: number };
}

const TEST_FILE = /\.(test|spec)\.ts$/;
const TEST_CALLS = new Set(['describe', 'it', 'test', 'suite']);

/** The innermost node of `sf` whose text covers `pos`. */
function nodeAt(sf: ts.SourceFile, pos: number): ts.Node {
  let node: ts.Node = sf;
  for (;;) {
    const inner = node.getChildren(sf).find((c) => c.getStart(sf) <= pos && pos < c.getEnd());
    if (inner === undefined) return node;
    node = inner;
  }
}

/** `describe`, `it.each(...)`, `test.skip`…: the test function a call is, if it is one. */
function testCallee(e: ts.Expression): boolean {
  while (ts.isCallExpression(e) || ts.isPropertyAccessExpression(e)) e = e.expression;
  return ts.isIdentifier(e) && TEST_CALLS.has(e.text);
}

function titlesAt(node: ts.Node): string[] {
  const titles: string[] = [];
  for (let n: ts.Node | undefined = node; n !== undefined; n = n.parent) {
    if (!ts.isCallExpression(n) || !testCallee(n.expression)) continue;
    const arg = n.arguments[0];
    if (arg === undefined) continue;
    // A computed title is known up to its first substitution. Rubric patterns are prefixes, so the
    // head matches only the items the whole title would match, or none (then the exercise is named).
    titles.unshift(ts.isStringLiteralLike(arg) ? arg.text : ts.isTemplateExpression(arg) ? arg.head.text : '');
  }
  return titles;
}

/** The stub-file declaration that the code around a diagnostic uses (a call's callee first, else any name in its statement). */
function subjectAt(node: ts.Node, checker: ts.TypeChecker, root: string): Diagnostic['subject'] {
  const inStub = (decl: ts.Node | undefined, name: string): Diagnostic['subject'] => {
    if (decl === undefined) return undefined;
    const sf = decl.getSourceFile();
    const file = path.relative(root, sf.fileName).split(path.sep).join('/');
    if (!file.startsWith('exercises/') || TEST_FILE.test(file)) return undefined;
    return { file, name, line: sf.getLineAndCharacterOfPosition(decl.getStart(sf)).line + 1 };
  };
  const ofName = (id: ts.Node): Diagnostic['subject'] => {
    let sym = checker.getSymbolAtLocation(id);
    if (sym !== undefined && (sym.flags & ts.SymbolFlags.Alias) !== 0) sym = checker.getAliasedSymbol(sym);
    return sym === undefined ? undefined : inStub(sym.declarations?.[0], sym.name);
  };
  let statement: ts.Node | undefined;
  for (let n: ts.Node | undefined = node; n !== undefined; n = n.parent) {
    if (ts.isImportDeclaration(n)) {
      // A missing export: the name is the stub's own (the tests compile against the untouched stubs).
      const spec = ts.isImportSpecifier(node.parent) ? node.parent : undefined;
      const module = checker.getSymbolAtLocation(n.moduleSpecifier)?.valueDeclaration;
      return inStub(module, spec === undefined ? 'an export' : (spec.propertyName ?? spec.name).text);
    }
    if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && !testCallee(n.expression)) {
      const callee = ts.isPropertyAccessExpression(n.expression) ? n.expression.name : n.expression;
      const found = ofName(callee);
      if (found !== undefined) return found;
    }
    if (statement === undefined && ts.isStatement(n)) statement = n;
  }
  let found: Diagnostic['subject'];
  const visit = (n: ts.Node): void => {
    if (found !== undefined) return;
    if (ts.isIdentifier(n)) found = ofName(n);
    else ts.forEachChild(n, visit);
  };
  if (statement !== undefined) visit(statement);
  return found;
}

const shared = new Map<string, ts.SourceFile>();

function check(root: string, rootFiles: string[]): Diagnostic[] {
  const configPath = path.join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, root, { noEmit: true }, configPath);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.includes(`${path.sep}node_modules${path.sep}`)) return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    let sf = shared.get(fileName);
    if (sf === undefined) {
      sf = getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (sf !== undefined) shared.set(fileName, sf);
    }
    return sf;
  };
  const program = ts.createProgram({ rootNames: rootFiles.map((f) => path.join(root, f)), options, host });
  const mine = program.getSourceFiles().filter((sf) => {
    const rel = path.relative(root, sf.fileName);
    return !rel.startsWith('..') && (rel.startsWith(`exercises${path.sep}`) || rel.startsWith(`grading${path.sep}`));
  });
  const out: Diagnostic[] = [];
  const push = (d: ts.Diagnostic, syntactic: boolean): void => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) {
      out.push({ file: '', line: 0, code: d.code, message, syntactic });
      return;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const file = path.relative(root, d.file.fileName).split(path.sep).join('/');
    const diagnostic: Diagnostic = { file, line: line + 1, code: d.code, message, syntactic };
    if (TEST_FILE.test(file) && !syntactic) {
      const node = nodeAt(d.file, d.start);
      diagnostic.titles = titlesAt(node);
      const subject = subjectAt(node, program.getTypeChecker(), root);
      if (subject !== undefined) diagnostic.subject = subject;
    }
    out.push(diagnostic);
  };
  for (const d of program.getOptionsDiagnostics()) push(d, false);
  for (const d of program.getGlobalDiagnostics()) push(d, false);
  for (const sf of mine) {
    const syntax = program.getSyntacticDiagnostics(sf);
    for (const d of syntax) push(d, true);
    // A file that does not parse gets no semantic pass: its errors would only repeat the syntax error.
    if (syntax.length === 0) for (const d of program.getSemanticDiagnostics(sf)) push(d, false);
  }
  return out;
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let answer: unknown;
  try {
    const { root, files } = JSON.parse(line) as { root: string; files: string[] };
    answer = { diagnostics: check(root, files) };
  } catch (err) {
    answer = { error: (err as Error).message };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});

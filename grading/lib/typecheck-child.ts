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
    out.push({ file: path.relative(root, d.file.fileName).split(path.sep).join('/'), line: line + 1, code: d.code, message, syntactic });
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

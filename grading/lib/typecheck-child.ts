/**
 * Type-checks a grading workspace and prints the diagnostics as JSON on stdout. Run as a child
 * process by `typecheck.ts` so that a pathological submission (a type that takes the compiler minutes)
 * costs a time limit, not the grader. Reads no student code as code: the compiler only parses it.
 *
 *   node --import tsx typecheck-child.ts <workspace> <root file>...
 */
import path from 'node:path';
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

function main(root: string, rootFiles: string[]): Diagnostic[] {
  const configPath = path.join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, root, { noEmit: true }, configPath);
  const program = ts.createProgram({
    rootNames: rootFiles.map((f) => path.join(root, f)),
    options: { ...parsed.options, noEmit: true },
  });
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

const [root, ...files] = process.argv.slice(2);
process.stdout.write(JSON.stringify(main(root ?? '.', files)));

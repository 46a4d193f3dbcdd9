/**
 * `tsx scripts/run.ts <file> [args]`: how every `npm run` command that runs exercise code starts
 * (package.json: landscape, tune, final, autoencoder, svm, tied-autoencoder). One mechanism for all of
 * them (scripts/run.test.ts checks that package.json uses it):
 *
 * - KIT_TARGET is honoured as by the tests: the files the command imports from exercises/ load from
 *   the target (#kit/target's hooks), so `KIT_TARGET=<folder> npm run landscape` runs that folder's code
 *   (`solutions`, the reference, in the instructor's kit; the student release has none);
 * - the file runs inside runMain (#kit/report): a stub not written yet prints the tests' one line
 *   (`to do: exercises/…/x.ts: implement f()`), a kit error its paragraph, any other error its message
 *   and the stack frames in the kit's and your files, never a page of minified library code.
 *
 * `<file>` (a file under exercises/, or one of COMMANDS) sees `process.argv` as if it had been started
 * directly (`tsx <file> [args]`).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KitError, REPO_ROOT } from '#kit/errors';
import { runMain } from '#kit/report';
import { registerTargetHooks } from '#kit/target';

/** The commands under scripts/ (literal imports, so the student release ships them with this file). */
const COMMANDS: Readonly<Record<string, () => Promise<unknown>>> = {
  'scripts/tune.ts': () => import('./tune.ts'),
  'scripts/final.ts': () => import('./final.ts'),
};

await runMain(async () => {
  const [node = process.execPath, , file, ...args] = process.argv;
  if (file === undefined) throw new KitError('scripts/run.ts needs the file to run: tsx scripts/run.ts <file> [arguments].');
  const entry = path.resolve(file);
  const command = COMMANDS[path.relative(REPO_ROOT, entry).split(path.sep).join('/')];
  registerTargetHooks(process.env, [import.meta.url]);
  process.argv = [node, entry, ...args];
  await (command ?? (() => import(pathToFileURL(entry).href)))();
});

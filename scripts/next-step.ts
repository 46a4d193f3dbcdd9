/**
 * The "next" column of `npm run progress`: which of an exercise's failing tests to work on first. The
 * tests run in file order (alphabetical: 04's bonus.test.ts before final-training.test.ts, 06's
 * accuracy.test.ts before svm.test.ts), which is not the order the exercise's README teaches, so the
 * candidates are ranked by where the README introduces the function they name. The README is the one
 * source of that order: a new exercise needs no list here, only a README that names its functions.
 */
import type { TestOutcome } from './vitest-json.ts';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The names a README may use for a stub's function: `Pca.transform` is written `transform`, `TiedAutoencoder constructor` `TiedAutoencoder`. */
function namesFor(fn: string): string[] {
  const [owner, member] = fn.split(/[. ]/);
  if (owner === undefined) return [];
  return member === undefined || member === 'constructor' ? [owner] : [member, owner];
}

/**
 * Where `fn` is introduced in `readme` (a character offset; Infinity when it is never named). A task's
 * heading names its functions (08's "## Part 2 … `fitPca`, `transform`, `inverseTransform`"), so a heading
 * wins; then the first signature (`prepareData(dataset)`), because an overview often lists functions out
 * of order before the tasks start (05's intro mentions `reconstruct`); then any code span that names it.
 */
export function readmeRank(readme: string, fn: string): number {
  const names = namesFor(fn);
  // A code span that starts with the name: `fit`, `fit(data)`, `new TiedDense(…)`, `model.fit`.
  const span = (name: string, after: string): RegExp => new RegExp(`\`(?:new |\\w+\\.)?${escape(name)}${after}`);
  for (const heading of readme.matchAll(/^#{1,6} .*$/gm)) {
    for (const name of names) {
      const m = span(name, '\\b').exec(heading[0]);
      if (m !== null) return heading.index + m.index;
    }
  }
  for (const after of ['\\(', '\\b']) {
    for (const name of names) {
      const m = span(name, after).exec(readme);
      if (m !== null) return m.index;
    }
  }
  return Infinity;
}

/** `exercises/07-…/models.ts: implement TiedDense.build()` → `TiedDense.build`. */
export function todoFunction(message: string): string | undefined {
  return /: implement (.+)\(\)$/.exec(message)?.[1];
}

const TODO = /NotImplemented: (.*implement [^\n]*)/;

/**
 * The next step for one exercise: the failing test that the README reaches first, as "the file: implement
 * fn()" for a stub still to write, or "fix: <test>" for a test that fails on written code. A failing test
 * ranks by the function its stub names, else by the earliest of `functions` (the exercise's own exported
 * names) that its title names; ties keep the test order, so a test with neither keeps its place after them.
 */
export function nextStep(outcomes: readonly TestOutcome[], readme: string, functions: readonly string[] = []): string {
  const rankOf = new Map<string, number>();
  const rank = (fn: string): number => {
    let r = rankOf.get(fn);
    if (r === undefined) rankOf.set(fn, (r = readmeRank(readme, fn)));
    return r;
  };
  let best: { rank: number; text: string } | undefined;
  for (const o of outcomes) {
    if (o.status !== 'failed') continue;
    const todo = o.messages.map((m) => TODO.exec(m)?.[1]).find((t) => t !== undefined);
    let candidate: { rank: number; text: string };
    if (todo !== undefined) {
      const fn = todoFunction(todo);
      candidate = { rank: fn === undefined ? Infinity : rank(fn), text: todo };
    } else {
      const words = new Set(o.title.split(/[^\w$]+/));
      const named = functions.filter((f) => words.has(f)).map(rank);
      candidate = { rank: Math.min(Infinity, ...named), text: `fix: ${o.title.split(' › ').pop()!.slice(0, 70)}` };
    }
    if (best === undefined || candidate.rank < best.rank) best = candidate;
  }
  return best?.text ?? '';
}

/** The names an exercise's stub files export (functions, classes, constants), for ranking failing tests. */
export function exportedNames(sources: readonly string[]): string[] {
  const names = new Set<string>();
  for (const text of sources) {
    for (const m of text.matchAll(/^export (?:async )?(?:function\*?|class|const|let) (\w+)/gm)) names.add(m[1]!);
  }
  return [...names];
}

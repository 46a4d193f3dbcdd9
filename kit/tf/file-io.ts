import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { KitError } from '#kit/errors';

/**
 * `file://` model save/load for backends other than tfjs-node (which brings its own). The layout is
 * tfjs-node's, so either can read what the other wrote: `<dir>/model.json` + `<dir>/weights.bin`.
 */

const SCHEME = 'file://';
const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

/** The file path in a `file://` URL. Like tfjs-node, `file://./dir` and `file://dir` are relative to the cwd. */
export function filePathOf(url: string): string {
  return path.resolve(url.slice(SCHEME.length));
}

export class FileModelHandler implements tf.io.IOHandler {
  readonly path: string;

  constructor(target: string) {
    this.path = target.startsWith(SCHEME) ? filePathOf(target) : path.resolve(target);
  }

  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new KitError(
        `Cannot save to ${this.path}: the model topology is binary (a converted graph model), and the ` +
          `file:// handler writes model.json. Save a layers model, or keep the converted files as they are.`,
      );
    }
    const { modelFile, dir } = await this.saveLocation();
    const weightsPath = path.join(dir, WEIGHTS_FILE);
    const modelJson: tf.io.ModelJSON = {
      // A weights-only save has no topology; JSON.stringify then leaves the key out, as tfjs-node does.
      modelTopology: artifacts.modelTopology as object,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
    };
    if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
    if (artifacts.signature != null) modelJson.signature = artifacts.signature;
    if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;

    const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    await mkdir(dir, { recursive: true });
    // model.json goes last: a reader that finds it also finds the weights it describes.
    await writeAtomically(weightsPath, new Uint8Array(weights));
    await writeAtomically(modelFile, JSON.stringify(modelJson));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const modelFile = await this.loadLocation();
    let modelJson: tf.io.ModelJSON;
    try {
      modelJson = JSON.parse(await readFile(modelFile, 'utf8')) as tf.io.ModelJSON;
    } catch (err) {
      throw new KitError(
        `Cannot load the model at ${modelFile}: it is not valid JSON (${(err as Error).message}). ` +
          `It was probably not written by model.save('file://…'); save the model again.`,
        { cause: err },
      );
    }
    if (modelJson.modelTopology == null && modelJson.weightsManifest == null) {
      throw new KitError(
        `Cannot load the model at ${modelFile}: it has neither "modelTopology" nor "weightsManifest", so it is ` +
          `not a tfjs model.json. Point the URL at the model.json written by model.save('file://<dir>').`,
      );
    }
    const dir = path.dirname(modelFile);
    return tf.io.getModelArtifactsForJSON(modelJson, (manifest) => readWeights(manifest, dir, modelFile));
  }

  /** Like tfjs-node, the URL names a directory; a path ending in .json names model.json itself. */
  private async saveLocation(): Promise<{ modelFile: string; dir: string }> {
    if (this.path.endsWith('.json')) return { modelFile: this.path, dir: path.dirname(this.path) };
    const info = await statOrUndefined(this.path);
    if (info !== undefined && !info.isDirectory()) {
      throw new KitError(
        `Cannot save the model to ${this.path}: that is an existing file, and file:// saves into a directory ` +
          `(model.json + weights.bin). Choose a directory path, e.g. file://${this.path}-model.`,
      );
    }
    return { modelFile: path.join(this.path, MODEL_FILE), dir: this.path };
  }

  private async loadLocation(): Promise<string> {
    const info = await statOrUndefined(this.path);
    if (info === undefined) {
      throw new KitError(
        `Cannot load a model from ${this.path}: no such file. Check the path (relative paths start at ` +
          `${process.cwd()}) and that the model was saved with model.save('file://<dir>'), which writes ` +
          `<dir>/model.json; load that file.`,
      );
    }
    if (!info.isDirectory()) return this.path;
    const inside = path.join(this.path, MODEL_FILE);
    if ((await statOrUndefined(inside)) === undefined) {
      throw new KitError(
        `Cannot load a model from ${this.path}: it is a directory without a ${MODEL_FILE}. Point the URL at ` +
          `the model.json written by model.save('file://<dir>').`,
      );
    }
    return inside;
  }
}

async function readWeights(
  manifest: tf.io.WeightsManifestConfig,
  dir: string,
  modelFile: string,
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest) {
    specs.push(...group.weights);
    for (const relative of group.paths) {
      const file = path.join(dir, relative);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (err) {
        throw new KitError(
          `Cannot load the weights of ${modelFile}: ${file} is missing or unreadable ` +
            `(${(err as NodeJS.ErrnoException).code ?? String(err)}). model.json and its weight files must stay ` +
            `together; copy them as one directory or save the model again.`,
          { cause: err },
        );
      }
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }
  return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
}

/** Temp file in the same directory, then rename: a crash leaves the old file or the new one, never half of one. */
async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

async function statOrUndefined(file: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function fileRouter(url: string | string[]): tf.io.IOHandler | null {
  if (Array.isArray(url) || !url.startsWith(SCHEME)) return null;
  // tfjs-node, if it loads later, registers its own handler; two matches make model.save() throw.
  if ((tf.findBackendFactory('tensorflow') as unknown) != null) return null;
  return new FileModelHandler(url);
}

type IORouter = Parameters<typeof tf.io.registerSaveRouter>[0];

/** tfjs types routers as always returning a handler, but its registry skips null: "not my URL". */
function asRouter(router: (url: string | string[]) => tf.io.IOHandler | null): IORouter {
  return router as IORouter;
}

const REGISTERED = Symbol.for('dlkit.tf.fileRouterRegistered');

/** Registers the `file://` handler unless one exists already (tfjs-node's). Idempotent. */
export function registerFileRouter(): void {
  const flags = globalThis as { [REGISTERED]?: boolean };
  if (flags[REGISTERED] === true) return;
  if (tf.io.getSaveHandlers('file:///probe').length > 0) return;
  tf.io.registerSaveRouter(asRouter(fileRouter));
  tf.io.registerLoadRouter(asRouter(fileRouter));
  flags[REGISTERED] = true;
}

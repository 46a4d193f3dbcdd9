import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KitError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { registerFileRouter, selectBackend, tf, type BackendName } from './index.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'dlkit-file-io-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A small compiled MLP with seeded weights, so trainingConfig is saved too. */
function smallModel(seed: number): tf.Sequential {
  const rng = new Rng(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [6], units: 5, activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.setWeights(model.getWeights().map((w) => tf.tensor(Float32Array.from(rng.normals(w.size)), w.shape)));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const input = (): tf.Tensor2D => tf.tensor2d(Float32Array.from(new Rng(99).normals(4 * 6)), [4, 6]);

function predict(model: tf.LayersModel): Float32Array {
  return tf.tidy(() => (model.predict(input()) as tf.Tensor).dataSync() as Float32Array);
}

for (const backend of ['wasm', 'cpu'] as const satisfies readonly BackendName[]) {
  describe(`file:// on ${backend}`, () => {
    it('saves model.json + weights.bin in the tfjs-node layout and loads identical outputs', async () => {
      await selectBackend(backend);
      expect(tf.getBackend()).toBe(backend);
      const dir = path.join(root, backend, 'mlp');
      const model = smallModel(1);
      const result = await model.save(`file://${dir}`);
      expect(result.modelArtifactsInfo.weightDataBytes).toBe((6 * 5 + 5 + 5 * 3 + 3) * 4);

      expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(json).sort()).toEqual(
        ['convertedBy', 'format', 'generatedBy', 'modelTopology', 'weightsManifest'].sort(),
      );
      expect(json.format).toBe('layers-model');
      expect(json.weightsManifest).toMatchObject([{ paths: ['weights.bin'] }]);
      expect(statSync(path.join(dir, 'weights.bin')).size).toBe(result.modelArtifactsInfo.weightDataBytes);

      const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
      expect(predict(loaded)).toEqual(predict(model));
    });

    it('keeps trainingConfig when the optimizer is saved too', async () => {
      await selectBackend(backend);
      const dir = path.join(root, backend, 'with-optimizer');
      const model = smallModel(7);
      await model.save(`file://${dir}`, { includeOptimizer: true });
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
      expect(json.trainingConfig).toMatchObject({ loss: 'categorical_crossentropy' });
      const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
      expect(loaded.optimizer).toBeDefined();
      expect(predict(loaded)).toEqual(predict(model));
    });

    it('overwrites an earlier save in place and leaves no temporary files', async () => {
      await selectBackend(backend);
      const dir = path.join(root, backend, 'overwrite');
      await smallModel(2).save(`file://${dir}`);
      const second = smallModel(3);
      await second.save(`file://${dir}`);
      expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
      expect(predict(await tf.loadLayersModel(`file://${dir}/model.json`))).toEqual(predict(second));
    });
  });
}

describe('file:// across backends and errors', () => {
  it('a model saved on wasm loads on cpu', async () => {
    await selectBackend('wasm');
    const dir = path.join(root, 'cross');
    const model = smallModel(4);
    const onWasm = predict(model);
    await model.save(`file://${dir}`);
    await selectBackend('cpu');
    const onCpu = predict(await tf.loadLayersModel(`file://${dir}/model.json`));
    // Different backends sum in different orders: float32 rounding of 6-term dot products, no more.
    onCpu.forEach((v, i) => {
      expect(v).toBeCloseTo(onWasm[i]!, 5);
    });
  });

  it('loading a missing path is a KitError naming the path', async () => {
    const missing = path.join(root, 'nowhere', 'model.json');
    const failure = tf.loadLayersModel(`file://${missing}`);
    await expect(failure).rejects.toThrow(KitError);
    await expect(failure).rejects.toThrow(missing);
  });

  it('a model.json whose weights file is gone is a KitError naming that file', async () => {
    const dir = path.join(root, 'lost-weights');
    await smallModel(5).save(`file://${dir}`);
    rmSync(path.join(dir, 'weights.bin'));
    await expect(tf.loadLayersModel(`file://${dir}/model.json`)).rejects.toThrow(path.join(dir, 'weights.bin'));
  });

  it('saving onto an existing file is a KitError, and nothing is written', async () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'keep me');
    await expect(smallModel(6).save(`file://${file}`)).rejects.toThrow(KitError);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('registers the handler once', () => {
    registerFileRouter();
    registerFileRouter();
    expect(tf.io.getSaveHandlers('file:///tmp/x')).toHaveLength(1);
    expect(tf.io.getLoadHandlers('file:///tmp/x/model.json')).toHaveLength(1);
  });
});

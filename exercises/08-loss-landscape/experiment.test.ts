/**
 * Exercise 08 from start to finish (experiment.ts, which runs your functions and buildMlp from 02):
 * a 784-64-10 MLP trained with SGD on 2,500 Fashion-MNIST training images, its trajectory, the PCA
 * plane, 625 grid losses, both figures — and the page opened in a real headless Chromium with the
 * network cut off. The experiment runs once; the tests share it.
 *
 * The thresholds are far from what the reference gets (f_CE 2.26 → 0.71; the two components explain
 * 97 % of the trajectory's variance) and far from what a broken pipeline gives (an untrained network
 * stays near ln 10 ≈ 2.3; a flat or random plane explains a few %).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumOrSkip, pixelStats, PLOTLY_STATE, type PlotlyState, visitPage } from '#kit/browser';
import { readPlotlyPage } from '#kit/plotly';
import { expectAtLeast, expectAtMost } from '#kit/testing';
import { EXPERIMENT, runExperiment, type ExperimentResult } from './experiment.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-landscape-'));
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let pending: Promise<ExperimentResult> | undefined;
/** Runs the experiment on first use; every test awaits the same run (and fails with its error). */
const experiment = (): Promise<ExperimentResult> =>
  (pending ??= runExperiment(EXPERIMENT, { html: path.join(dir, 'landscape.html'), png: path.join(dir, 'landscape.png') }));

describe('the whole exercise', () => {
  it('trains the MLP of 02 with SGD on 2,500 images and records 1 + 10·4 snapshots of its 50,890 parameters; f_CE falls below half', async () => {
    const r = await experiment();
    expect(r.data.count).toBe(2500);
    expect(r.trajectory.snapshots).toHaveLength(41);
    expect(r.trajectory.snapshots[0]).toHaveLength(784 * 64 + 64 + 64 * 10 + 10);
    expectAtLeast(r.lossBefore, 1.8, 'f_CE before training', { rule: 'an untrained network\'s loss on 10 classes is near ln 10 ≈ 2.3', strict: true });
    expectAtMost(r.lossAfter, 0.5 * r.lossBefore, `f_CE after training (before: ${r.lossBefore})`, { rule: 'SGD brings f_CE below half its start', strict: true });
  });

  it('the landscape: two components carry most of the trajectory, a 25 × 25 grid spans it, and the path descends the surface', async () => {
    const { landscape } = await experiment();
    const { grid, path: p, pca } = landscape;
    const ratio = pca.explainedVarianceRatio;
    expectAtLeast(ratio[0]! + ratio[1]!, 0.8, 'explained variance ratio of the first two components, summed', {
      rule: 'two components carry most of an SGD trajectory\'s variance (ratio = explained variance / total variance)', strict: true,
    });
    expect(grid.z).toHaveLength(25);
    expect(grid.z.every((row) => row.length === 25 && row.every(Number.isFinite))).toBe(true);
    const span = { rule: 'the grid spans the path with a margin on each side', strict: true };
    expectAtMost(grid.x[0], Math.min(...p.x), 'grid.x[0] (against the path\'s smallest x)', span);
    expectAtLeast(grid.x[24], Math.max(...p.x), 'grid.x[24] (against the path\'s largest x)', span);
    expectAtMost(grid.y[0], Math.min(...p.y), 'grid.y[0] (against the path\'s smallest y)', span);
    expectAtLeast(grid.y[24], Math.max(...p.y), 'grid.y[24] (against the path\'s largest y)', span);
    expect(p.loss).toHaveLength(41);
    expectAtMost(p.loss[40], 0.5 * p.loss[0]!, `the path's last loss (its first: ${p.loss[0]})`, { rule: 'the path descends the surface: its losses are the snapshots\' losses', strict: true });
    const zMin = Math.min(...grid.z.map((row) => Math.min(...row)));
    expectAtMost(zMin, p.loss[0]!, `the surface's lowest loss (the path's first: ${p.loss[0]})`, { rule: 'the surface reaches below where the path starts', strict: true });
  });

  it('the page holds the grid and the path, and a real headless Chromium draws it with the network cut off: no console errors, a surface and a 41-point scatter in WebGL, a screenshot with real variety', async (ctx) => {
    const { landscape, files } = await experiment();
    const { figure } = readPlotlyPage(fs.readFileSync(files.html, 'utf8'));
    expect(figure.data.map((t) => t.type)).toEqual(['surface', 'scatter3d']);
    expect(figure.data[0]!.z).toEqual(landscape.grid.z.map((r) => Array.from(r)));
    expect(figure.data[1]!.z).toEqual(Array.from(landscape.path.loss));

    const executablePath = chromiumOrSkip((note) => {
      ctx.skip(note);
    });
    const visit = await visitPage<PlotlyState>(files.html, { executablePath, inspect: PLOTLY_STATE, viewport: { width: 1200, height: 1000 } });
    expect(visit.readiness, 'plotly finished drawing').toBe('1');
    expect(visit.errors, 'console errors').toEqual([]);
    expect(visit.requests, 'requests other than the page itself').toEqual([visit.url]);
    expect(visit.blocked).toEqual([]);
    expect(visit.state.traces.map((t) => [t.type, t.visible, t.points])).toEqual([
      ['surface', true, 25],
      ['scatter3d', true, 41],
    ]);
    expect(visit.state.webglScene, 'the 3-D scene got a WebGL context').toBe(true);
    expect(visit.state.noWebglNotice).toBe(false);
    const stats = await pixelStats(visit.screenshot, visit.region);
    // The reference page: ≈ 700 colours, 12 % of the plot's box inked; an empty plot: 1 colour, 0 %.
    expectAtLeast(stats.colours, 150, 'colours in the screenshot', { rule: 'a drawn surface has hundreds of colours (the reference ≈ 700; an empty plot 1)', strict: true });
    expectAtLeast(stats.inked, 0.04, 'fraction of the plot\'s box inked', { rule: 'a drawn surface inks a good part of the box (the reference ≈ 12 %; an empty plot 0)', strict: true });
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KitError } from '#kit/errors';
import { plotlyPage } from '#kit/plotly';
import { CHROMIUM_ENV, chromiumOrSkip, findChromium, pixelStats, PLOTLY_STATE, type PlotlyState, REQUIRE_BROWSER_ENV, visitPage } from './index.ts';

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-browser-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('findChromium', () => {
  it('takes KIT_CHROMIUM first, and explains what is wrong when it is not an executable', () => {
    const fake = path.join(dir, 'my-chrome');
    fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
    expect(findChromium({ [CHROMIUM_ENV]: fake, PATH: '' })).toEqual({ found: true, path: fake });
    const notExec = path.join(dir, 'not-exec');
    fs.writeFileSync(notExec, '', { mode: 0o644 });
    const lookup = findChromium({ [CHROMIUM_ENV]: notExec, PATH: '' });
    expect(lookup.found).toBe(false);
    if (!lookup.found) expect(lookup.reason).toContain(`${CHROMIUM_ENV}=${notExec} is not an executable`);
  });

  it('searches the PATH for chromium, chromium-browser, google-chrome (after /usr/bin/chromium)', () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'google-chrome'), '#!/bin/sh\n', { mode: 0o755 });
    const lookup = findChromium({ PATH: bin });
    expect(lookup.found).toBe(true);
    if (lookup.found && !fs.existsSync('/usr/bin/chromium')) expect(lookup.path).toBe(path.join(bin, 'google-chrome'));
  });

  it('without a browser, chromiumOrSkip skips with the reason, or fails when KIT_REQUIRE_BROWSER=1', () => {
    const missing = { [CHROMIUM_ENV]: path.join(dir, 'nope'), PATH: '' };
    const notes: string[] = [];
    expect(() => chromiumOrSkip((note) => notes.push(note), missing)).toThrow(KitError);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^needs a browser: KIT_CHROMIUM=.*nope is not an executable/);
    expect(() => chromiumOrSkip(() => undefined, { ...missing, [REQUIRE_BROWSER_ENV]: '1' })).toThrow(/KIT_REQUIRE_BROWSER=1/);
  });
});

describe('visitPage and pixelStats in a real headless Chromium', () => {
  it('draws a 3-D plotly page offline: ready, no console errors, two traces, a screenshot with real variety', async (ctx) => {
    const executablePath = chromiumOrSkip((note) => ctx.skip(note));
    const n = 15;
    const axis = Array.from({ length: n }, (_, i) => (i - 7) / 3);
    const surface = { type: 'surface', x: axis, y: axis, z: axis.map((y) => axis.map((x) => x * x + 2 * y * y)) };
    const path3d = { type: 'scatter3d', mode: 'markers+lines', x: [2, 1, 0], y: [2, 1, 0], z: [12, 3, 0] };
    const file = await plotlyPage({ title: 'bowl', figure: { data: [surface, path3d] }, height: 600 }).save(path.join(dir, 'bowl.html'));
    const visit = await visitPage<PlotlyState>(file, {
      executablePath,
      inspect: PLOTLY_STATE,
    });
    expect(visit.readiness).toBe('1');
    expect(visit.errors).toEqual([]);
    expect(visit.state.traces.map((t) => [t.type, t.visible, t.points])).toEqual([['surface', true, 15], ['scatter3d', true, 3]]);
    expect(visit.state.webglScene).toBe(true);
    expect(visit.state.noWebglNotice).toBe(false);
    expect(visit.requests).toEqual([visit.url]);
    expect(visit.blocked).toEqual([]);
    expect(visit.region).toBeDefined();
    const stats = await pixelStats(visit.screenshot, visit.region);
    expect(stats.colours).toBeGreaterThan(200);
    // The bowl covers ≈ 8 % of the plot's box; an empty plot measures < 1 % (next test).
    expect(stats.inked).toBeGreaterThan(0.03);
  });

  it("fills the window below the heading, and plotly's toolbar stays clear of a colour bar's title (08's page)", async (ctx) => {
    const executablePath = chromiumOrSkip((note) => ctx.skip(note));
    const axis = Array.from({ length: 9 }, (_, i) => i - 4);
    // What exercise 08's page asks for: a colour bar with a title, and a top margin of 10 px.
    const surface = { type: 'surface', x: axis, y: axis, z: axis.map((y) => axis.map((x) => x * x + y * y)), colorbar: { title: { text: 'f_CE' } } };
    const figure = { data: [surface], layout: { margin: { l: 0, r: 0, t: 10, b: 0 } } };
    const file = await plotlyPage({ title: 'bowl', caption: 'A caption.', figure }).save(path.join(dir, 'bowl-bar.html'));
    type Box = { x: number; y: number; width: number; height: number } | null;
    const boxes = `(() => {
      const box = (el) => { if (!el) return null; const b = el.getBoundingClientRect(); return { x: b.x, y: b.y, width: b.width, height: b.height }; };
      return { plot: box(document.getElementById('plot')), footer: box(document.querySelector('footer')), toolbar: box(document.querySelector('.modebar')),
               barTitle: box(document.querySelector('.colorbar .cbtitle')), window: innerHeight };
    })()`;
    for (const viewport of [{ width: 1200, height: 900 }, { width: 1920, height: 1080 }]) {
      const visit = await visitPage<{ plot: Box; footer: Box; toolbar: Box; barTitle: Box; window: number }>(file, { executablePath, viewport, inspect: boxes });
      const { plot, footer, toolbar, barTitle } = visit.state;
      expect(plot && footer && toolbar && barTitle, JSON.stringify(visit.state)).toBeTruthy();
      // The plot reaches down to the footer, and the footer to the bottom of the window (a fixed 720 px left a quarter of 1080 empty).
      expect(plot!.y + plot!.height).toBeCloseTo(footer!.y, 0);
      expect(footer!.y + footer!.height).toBeGreaterThan(viewport.height - 2);
      const overlap = (a: NonNullable<Box>, b: NonNullable<Box>): boolean =>
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      expect(overlap(toolbar!, barTitle!), `toolbar ${JSON.stringify(toolbar)}, colour bar title ${JSON.stringify(barTitle)}`).toBe(false);
    }
  });

  it('measures an empty page as blank, and records console errors and blocked network requests', async (ctx) => {
    const executablePath = chromiumOrSkip((note) => ctx.skip(note));
    const file = path.join(dir, 'empty.html');
    fs.writeFileSync(
      file,
      `<!doctype html><html><body style="margin:0;background:#fff"><div id="plot" style="height:400px"></div>
<img src="http://example.invalid/pixel.png">
<script>console.error('something broke'); fetch('https://example.invalid/data.json').catch(function () {});
setTimeout(function () { document.body.dataset.plotReady = '1'; }, 200);</script></body></html>`,
    );
    const visit = await visitPage(file, { executablePath, viewport: { width: 800, height: 600 } });
    expect(visit.errors.some((e) => e.includes('something broke'))).toBe(true);
    expect(visit.blocked).toEqual(expect.arrayContaining(['http://example.invalid/pixel.png', 'https://example.invalid/data.json']));
    const stats = await pixelStats(visit.screenshot, visit.region);
    expect(stats.inked).toBeLessThan(0.01);
    expect(stats.colours).toBeLessThan(5);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, KitError } from '#kit/errors';
import { FIGURE_JSON_ID, pagePath, plotlyBundle, plotlyPage, readPlotlyPage, TOOLBAR_MARGIN, type PlotlyFigure } from './index.ts';

const figure: PlotlyFigure = {
  data: [
    { type: 'surface', x: [0, 1], y: [0, 1, 2], z: [[1, 2], [3, Number.NaN], [5, 6]] },
    { type: 'scatter3d', mode: 'markers', x: [0.5], y: [1], z: [2], name: 'path </script><b>' },
  ],
  layout: { title: { text: 'a <title>' } },
};

describe('plotlyPage', () => {
  it('inlines plotly.js (no external script or link) and embeds the figure as JSON that reads back', () => {
    const html = plotlyPage({ title: 'Loss & <landscape>', figure, caption: 'First paragraph.\n\nSecond <one>.' }).html();
    const bundle = plotlyBundle();
    expect(bundle.version).toMatch(/^\d+\.\d+\.\d+$/);
    // Compare booleans, not the 5 MB strings (a failure would print them).
    expect(html.includes(`<script>${bundle.code}</script>`), 'plotly.js inlined whole').toBe(true);
    const rest = html.replace(bundle.code, '');
    expect(rest.length).toBeLessThan(10_000);
    expect(rest, 'the page around plotly loads nothing').not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//i);
    // Exactly three </script>: plotly, the JSON, the bootstrap; the trace name cannot end a script early.
    expect(rest.match(/<\/script>/g)).toHaveLength(3);
    const back = readPlotlyPage(html);
    expect(back.title).toBe('Loss & <landscape>');
    expect(back.figure.data).toHaveLength(2);
    expect(back.figure.data[0]).toEqual({ ...figure.data[0], z: [[1, 2], [3, null], [5, 6]] });
    expect(back.figure.data[1]!.name).toBe('path </script><b>');
    expect(back.figure.layout).toMatchObject({ title: { text: 'a <title>' }, autosize: true });
    // The page sizes the plot (the window's height below the heading), not a fixed layout.height.
    expect(back.figure.layout).not.toHaveProperty('height');
    expect(rest).toMatch(/#plot \{[^}]*flex: 1 1 0; min-height: 480px/);
    expect(back.figure.config).toMatchObject({ displaylogo: false, responsive: true });
    expect(rest).toContain('<p>Second &lt;one&gt;.</p>');
    expect(rest).toContain(`id="${FIGURE_JSON_ID}"`);
  });

  it("keeps a strip above the plot for plotly's toolbar, whatever top margin the figure asks for", () => {
    const top = (layout: Record<string, unknown> | undefined, config?: Record<string, unknown>): unknown =>
      (readPlotlyPage(plotlyPage({ title: 't', figure: { data: figure.data, ...(layout ? { layout } : {}), ...(config ? { config } : {}) } }).html()).figure.layout?.['margin'] as Record<string, unknown> | undefined)?.['t'];
    expect(top({ margin: { l: 0, r: 0, t: 10, b: 0 } })).toBe(TOOLBAR_MARGIN);
    expect(top(undefined)).toBe(100);
    expect(top({ margin: { t: 120 } })).toBe(120);
    expect(top({ margin: { t: 10 } }, { displayModeBar: false })).toBe(10);
  });

  it('saves atomically into a new folder and returns the absolute path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-plotly-'));
    try {
      const file = await plotlyPage({ title: 't', figure }).save(path.join(dir, 'a', 'b', 'page.html'));
      expect(path.isAbsolute(file)).toBe(true);
      expect(readPlotlyPage(fs.readFileSync(file, 'utf8')).figure.data).toHaveLength(2);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['page.html']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a figure without traces or with an untyped trace, and HTML it did not make', () => {
    expect(() => plotlyPage({ title: 't', figure: { data: [] } })).toThrow(ArgumentError);
    expect(() => plotlyPage({ title: 't', figure: { data: [{ type: '' }] } })).toThrow(ArgumentError);
    expect(() => plotlyPage({ title: 't', figure, height: 10 })).toThrow(ArgumentError);
    expect(() => readPlotlyPage('<html><body>hello</body></html>')).toThrow(KitError);
  });

  it('pagePath puts pages beside the PNG figures, under KIT_OUT_DIR when set', () => {
    const saved = process.env.KIT_OUT_DIR;
    try {
      process.env.KIT_OUT_DIR = '/tmp/somewhere';
      expect(pagePath('08-loss-landscape', 'landscape')).toBe('/tmp/somewhere/figures/08-loss-landscape/landscape.html');
      delete process.env.KIT_OUT_DIR;
      expect(pagePath('08-loss-landscape', 'x')).toMatch(/\/out\/figures\/08-loss-landscape\/x\.html$/);
    } finally {
      if (saved === undefined) delete process.env.KIT_OUT_DIR;
      else process.env.KIT_OUT_DIR = saved;
    }
  });
});

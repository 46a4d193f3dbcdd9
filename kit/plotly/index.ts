/**
 * Standalone interactive pages: one HTML file with plotly.js inlined (so it opens offline, from a
 * file:// URL, years later) and the figure's data embedded as JSON that tools and tests can read back
 * with `readPlotlyPage`. The PNG charts for reports are `#kit/figures`; this is for figures a reader
 * wants to rotate and hover over (3-D surfaces).
 */
import fs from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ArgumentError, KitError } from '#kit/errors';
import { figurePath } from '#kit/figures';

/** A plotly trace: `type` plus whatever attributes plotly documents for it. */
export type PlotlyTrace = { type: string } & Record<string, unknown>;

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

export interface PageOptions {
  /** The page's <title> and heading. */
  title: string;
  figure: PlotlyFigure;
  /** Plain text under the heading (what the axes are, how to read the plot). Paragraphs split on blank lines. */
  caption?: string;
  /**
   * The least height of the plot in CSS pixels (default 480). The plot takes the page's width and the
   * window's height below the heading, so a 3-D scene (which fits the smaller of the two) is not left a
   * strip in the middle of a tall or wide window; a window shorter than this scrolls.
   */
  height?: number;
}

export interface Page {
  html(): string;
  /** Writes the page atomically (a temporary file, then a rename), creating folders; returns the path. */
  save(file: string): Promise<string>;
}

/** The id of the plot's <div> and of the <script type="application/json"> that holds the figure. */
export const PLOT_ID = 'plot';
export const FIGURE_JSON_ID = 'dlkit-figure';

let plotlySource: { version: string; code: string } | undefined;

/** plotly.js from the `plotly.js-dist-min` package, read once. */
export function plotlyBundle(): { version: string; code: string } {
  if (plotlySource !== undefined) return plotlySource;
  const require = createRequire(import.meta.url);
  let file: string;
  try {
    file = require.resolve('plotly.js-dist-min');
  } catch {
    throw new KitError(
      'The package plotly.js-dist-min is missing, and the interactive pages inline it so that they open offline. ' +
        'Run `npm ci` (it is a dependency of the kit) and try again.',
    );
  }
  const code = fs.readFileSync(file, 'utf8');
  // An inline <script> ends at the first "</script", whatever the JavaScript around it means.
  if (/<\/script/i.test(code)) {
    throw new KitError(`${file} contains "</script", so it cannot be inlined in a page; pin another plotly.js-dist-min version.`);
  }
  const version = /plotly\.js v(\d+\.\d+\.\d+)/.exec(code.slice(0, 400))?.[1] ?? 'unknown';
  plotlySource = { version, code };
  return plotlySource;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON that is safe inside <script>: no "<" at all, so no "</script" or "<!--". Non-finite numbers become null. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function checkFigure(figure: PlotlyFigure): void {
  if (!Array.isArray(figure.data) || figure.data.length === 0) {
    throw new ArgumentError('plotlyPage: figure.data must be a non-empty array of traces ({ type: "surface", ... }).');
  }
  figure.data.forEach((trace, i) => {
    if (typeof trace.type !== 'string' || trace.type === '') {
      throw new ArgumentError(`plotlyPage: trace ${String(i)} has no "type"; give each trace a plotly type such as "surface" or "scatter3d".`);
    }
  });
}

/**
 * Room kept above the plot area for plotly's toolbar (the "modebar", about 25 px high at the top right
 * of the plot's box, shown on hover): a figure with a small top margin would otherwise have it drawn over
 * whatever sits there, such as a colour bar's title.
 */
export const TOOLBAR_MARGIN = 40;

/** The page is a column as tall as the window: heading, then the plot taking all the height left, then the footer. */
const style = (minHeight: number): string => `
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #fff;
         display: flex; flex-direction: column; min-height: 100vh; }
  header { padding: 14px 24px 4px; flex: none; }
  h1 { font-size: 20px; margin: 0 0 6px; }
  header p { margin: 4px 0; max-width: 75em; color: #444; }
  #${PLOT_ID} { width: 100%; flex: 1 1 0; min-height: ${String(minHeight)}px; overflow: hidden; }
  footer { padding: 4px 24px 12px; color: #777; font-size: 12px; flex: none; }
`;

/**
 * A page with one plotly figure. The figure's data go into the page as JSON (read them back with
 * `readPlotlyPage`); when plotly has drawn it, `document.body.dataset.plotReady` is "1", and if it fails
 * the error goes to the console and `plotReady` is "error".
 */
export function plotlyPage(options: PageOptions): Page {
  checkFigure(options.figure);
  const height = options.height ?? 480;
  if (!Number.isFinite(height) || height < 100) {
    throw new ArgumentError(`plotlyPage: height = ${String(height)} CSS pixels is too small; use 100 or more (default 480).`);
  }
  const config: Record<string, unknown> = { responsive: true, displaylogo: false, ...options.figure.config };
  const layout: Record<string, unknown> = { autosize: true, ...options.figure.layout };
  if (config['displayModeBar'] !== false) {
    // plotly's own default top margin is 100; a figure that asks for less still leaves the toolbar its strip.
    const margin = (layout['margin'] ?? {}) as Record<string, unknown>;
    const top = typeof margin['t'] === 'number' ? margin['t'] : 100;
    layout['margin'] = { ...margin, t: Math.max(top, TOOLBAR_MARGIN) };
  }
  // No layout.height unless the figure sets one: plotly then fills the plot's box, which the page sizes.
  const figure: PlotlyFigure = { data: options.figure.data, layout, config };
  const html = (): string => {
    const plotly = plotlyBundle();
    const caption = (options.caption ?? '')
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .map((p) => `<p>${escapeHtml(p)}</p>`)
      .join('\n');
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dlkit, plotly.js ${plotly.version}">
<title>${escapeHtml(options.title)}</title>
<style>${style(height)}</style>
<!-- plotly.js ${plotly.version} (MIT licence), inlined so that this page needs no network -->
<script>${plotly.code}</script>
</head>
<body>
<header>
<h1>${escapeHtml(options.title)}</h1>
${caption}
</header>
<div id="${PLOT_ID}"></div>
<footer>Drag to rotate, scroll to zoom, hover for values. Made by dlkit with plotly.js ${plotly.version}; works offline.</footer>
<script type="application/json" id="${FIGURE_JSON_ID}">${scriptJson(figure)}</script>
<script>
(function () {
  if (typeof Plotly === 'undefined') {
    document.body.dataset.plotReady = 'error';
    console.error('plotly.js did not load, so the figure cannot be drawn.');
    return;
  }
  var figure = JSON.parse(document.getElementById('${FIGURE_JSON_ID}').textContent);
  Plotly.newPlot('${PLOT_ID}', figure.data, figure.layout, figure.config).then(
    function () { document.body.dataset.plotReady = '1'; },
    function (err) { document.body.dataset.plotReady = 'error'; console.error(err); }
  );
})();
</script>
</body>
</html>
`;
  };
  return {
    html,
    async save(file: string): Promise<string> {
      const target = path.resolve(file);
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${String(process.pid)}.${String(Date.now())}.tmp`;
      try {
        await writeFile(tmp, html());
        await rename(tmp, target);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      return target;
    },
  };
}

/** The title and figure embedded in a page made by `plotlyPage`. */
export function readPlotlyPage(html: string): { title: string; figure: PlotlyFigure } {
  const json = new RegExp(`<script type="application/json" id="${FIGURE_JSON_ID}">([\\s\\S]*?)</script>`).exec(html)?.[1];
  if (json === undefined) {
    throw new KitError(`This HTML holds no <script id="${FIGURE_JSON_ID}">: it was not made by plotlyPage (or was cut short).`);
  }
  const title = /<title>([\s\S]*?)<\/title>/.exec(html)?.[1] ?? '';
  const unescape = (s: string): string =>
    s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return { title: unescape(title), figure: JSON.parse(json) as PlotlyFigure };
}

/** <repo>/out/figures/<exercise>/<name>.html (KIT_OUT_DIR replaces <repo>/out), beside the PNG figures. */
export function pagePath(exercise: string, name: string): string {
  return figurePath(exercise, name.replace(/\.html$/i, '')).replace(/\.png$/, '.html');
}

/**
 * Opening the kit's HTML pages in a real, headless Chromium (through playwright-core, which drives a
 * browser already installed on the machine: its own download of browsers cannot work offline) and
 * measuring what it drew. Used by the tests of the interactive pages.
 */
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { chromium, type BrowserContext, type ConsoleMessage, type Request } from 'playwright-core';
import { ArgumentError, KitError } from '#kit/errors';

/** Path of a Chromium or Chrome executable to use instead of searching for one. */
export const CHROMIUM_ENV = 'KIT_CHROMIUM';
/** When "1", a missing browser fails the browser tests instead of skipping them (CI sets it). */
export const REQUIRE_BROWSER_ENV = 'KIT_REQUIRE_BROWSER';

/**
 * Flags for a quiet, offline, throw-away headless browser. SwiftShader draws WebGL (plotly's 3-D
 * plots) in software without a GPU; Chromium no longer falls back to it unless told that this
 * "unsafe" renderer is fine, which it is for our own local pages.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-swiftshader',
];

const CANDIDATE_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const MAC_APPS = [
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export type ChromiumLookup = { found: true; path: string } | { found: false; reason: string };

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Where Chromium is: `KIT_CHROMIUM` if set, else /usr/bin/chromium, else `chromium`, `chromium-browser`,
 * `google-chrome`, `google-chrome-stable` on the PATH, else the macOS application folders.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const forced = env[CHROMIUM_ENV]?.trim();
  if (forced !== undefined && forced !== '') {
    return isExecutable(forced)
      ? { found: true, path: forced }
      : { found: false, reason: `${CHROMIUM_ENV}=${forced} is not an executable file; point it at a Chromium or Chrome binary.` };
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  const candidates = [
    '/usr/bin/chromium',
    ...CANDIDATE_NAMES.flatMap((name) => dirs.map((d) => path.join(d, name))),
    ...(process.platform === 'darwin' ? MAC_APPS : []),
  ];
  const hit = candidates.find(isExecutable);
  if (hit !== undefined) return { found: true, path: hit };
  return {
    found: false,
    reason:
      `no Chromium found (looked for /usr/bin/chromium, ${CANDIDATE_NAMES.join(', ')} on the PATH). Install it ` +
      `(Debian/Ubuntu: apt-get install chromium) or set ${CHROMIUM_ENV}=<path to chromium or chrome>.`,
  };
}

/**
 * The browser for a test, or a skip with the reason when there is none. With KIT_REQUIRE_BROWSER=1 (CI),
 * a missing browser is an error instead: there the browser tests must run.
 */
export function chromiumOrSkip(skip: (note: string) => void, env: NodeJS.ProcessEnv = process.env): string {
  const lookup = findChromium(env);
  if (lookup.found) return lookup.path;
  if (env[REQUIRE_BROWSER_ENV] === '1') {
    throw new KitError(`${REQUIRE_BROWSER_ENV}=1 but ${lookup.reason}`);
  }
  skip(`needs a browser: ${lookup.reason}`);
  // skip() throws inside a vitest test; anywhere else, stop here too.
  throw new KitError(`skipped: ${lookup.reason}`);
}

export interface VisitOptions {
  /** The browser executable (from `findChromium`). */
  executablePath: string;
  /** CSS pixels; default 1200 × 900. */
  viewport?: { width: number; height: number };
  /** Cut the network off and abort any request that is not the page itself (default true). */
  offline?: boolean;
  /**
   * A JavaScript expression the page must make truthy before anything is measured; default: the
   * `plotReady` flag that `plotlyPage` sets. If it becomes the string "error", the visit ends early.
   */
  ready?: string;
  /**
   * A JavaScript expression evaluated in the page once it is ready (a string: it runs in the browser,
   * not here); its JSON-serialisable value is `state`. `PLOTLY_STATE` reads a plotly page's traces.
   */
  inspect?: string;
  /** CSS selector of the element whose box is `region` (default "#plot"). */
  region?: string;
  timeoutMs?: number;
}

export interface Visit<T> {
  url: string;
  /** Console messages of type "error" and uncaught page errors: a good page has none. */
  errors: string[];
  /** Every console message, "type: text". */
  console: string[];
  /** URLs the page asked for, the page itself included, in order. */
  requests: string[];
  /** Requests aborted because they would have needed the network. */
  blocked: string[];
  /** What the ready expression settled to ("error" when the page reported a failure). */
  readiness: unknown;
  state: T;
  /** PNG of the whole viewport. */
  screenshot: Buffer;
  /** The box of the `region` element in screenshot pixels, if it exists. */
  region?: { x: number; y: number; width: number; height: number };
  seconds: number;
}

const DEFAULT_READY = 'document.body && document.body.dataset.plotReady';

/** What `PLOTLY_STATE` returns about the plot in `#plot`. */
export interface PlotlyState {
  /** One entry per trace plotly drew, from its full (defaults-applied) data. */
  traces: { type: string; name: string | null; visible: boolean; points: number }[];
  /** A 3-D scene exists and its WebGL context was created (false where WebGL failed). */
  webglScene: boolean;
  /** Plotly's own notice when it could not get WebGL. */
  noWebglNotice: boolean;
}

/** An `inspect` expression for pages made by `plotlyPage`: the traces plotly drew and whether WebGL worked. */
export const PLOTLY_STATE = `(() => {
  const gd = document.getElementById('plot');
  const full = (gd && gd._fullData) || [];
  const count = (t) => (Array.isArray(t.z) ? t.z.length : 0) || (Array.isArray(t.x) ? t.x.length : 0);
  const scene = gd && gd._fullLayout && gd._fullLayout.scene && gd._fullLayout.scene._scene;
  return {
    traces: full.map((t) => ({ type: t.type, name: t.name === undefined ? null : t.name, visible: t.visible === true, points: count(t) })),
    webglScene: Boolean(scene && scene.glplot && scene.glplot.gl),
    noWebglNotice: document.body.innerText.indexOf('WebGL is not supported') >= 0,
  };
})()`;

/**
 * Opens `file` (a path on disk) in a fresh headless Chromium profile, waits until the page is ready,
 * records console errors and network requests, evaluates `inspect`, takes a screenshot and closes the
 * browser. The profile is a new temporary folder, deleted afterwards.
 */
export async function visitPage<T = undefined>(file: string, options: VisitOptions): Promise<Visit<T>> {
  if (!fs.existsSync(file)) throw new ArgumentError(`visitPage: ${file} does not exist; write the page first.`);
  const t0 = performance.now();
  const url = pathToFileURL(path.resolve(file)).href;
  const offline = options.offline ?? true;
  const profile = await mkdtemp(path.join(os.tmpdir(), 'dlkit-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: options.executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: options.viewport ?? { width: 1200, height: 900 },
      timeout: options.timeoutMs ?? 60_000,
    });
    const errors: string[] = [];
    const messages: string[] = [];
    const requests: string[] = [];
    const blocked: string[] = [];
    if (offline) {
      await context.setOffline(true);
      await context.route('**/*', async (route) => {
        const target = route.request().url();
        if (target === url || target.startsWith('data:') || target.startsWith('blob:')) await route.continue();
        else {
          blocked.push(target);
          await route.abort('internetdisconnected');
        }
      });
    }
    context.on('request', (r: Request) => requests.push(r.url()));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m: ConsoleMessage) => {
      messages.push(`${m.type()}: ${m.text()}`);
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e: Error) => errors.push(`uncaught: ${e.message}`));
    await page.goto(url, { waitUntil: 'load', timeout: options.timeoutMs ?? 60_000 });
    const handle = await page.waitForFunction(options.ready ?? DEFAULT_READY, undefined, { timeout: options.timeoutMs ?? 60_000 });
    const readiness: unknown = await handle.jsonValue();
    // Let WebGL finish the frame plotly asked for before taking the picture.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))');
    const state = (options.inspect === undefined ? undefined : await page.evaluate(options.inspect)) as T;
    const screenshot = await page.screenshot({ type: 'png' });
    const box = await page.locator(options.region ?? '#plot').first().boundingBox().catch(() => null);
    return {
      url,
      errors,
      console: messages,
      requests,
      blocked,
      readiness,
      state,
      screenshot,
      ...(box === null ? {} : { region: box }),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await context?.close().catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
  }
}

export interface PixelStats {
  width: number;
  height: number;
  /** Distinct colours after keeping the top 5 bits of each channel. */
  colours: number;
  /** Fraction of pixels that differ (by more than 15 in some channel) from the most common colour. */
  inked: number;
}

/** How much was drawn in `png`, optionally only inside `region` (CSS pixels = screenshot pixels here). */
export async function pixelStats(png: Buffer, region?: { x: number; y: number; width: number; height: number }): Promise<PixelStats> {
  const image = await loadImage(png);
  const x0 = Math.max(0, Math.floor(region?.x ?? 0));
  const y0 = Math.max(0, Math.floor(region?.y ?? 0));
  const width = Math.max(1, Math.min(image.width - x0, Math.floor(region?.width ?? image.width)));
  const height = Math.max(1, Math.min(image.height - y0, Math.floor(region?.height ?? image.height)));
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, -x0, -y0);
  const { data } = ctx.getImageData(0, 0, width, height);
  const counts = new Map<number, number>();
  for (let i = 0; i < data.length; i += 4) {
    const key = ((data[i]! >> 3) << 10) | ((data[i + 1]! >> 3) << 5) | (data[i + 2]! >> 3);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let background = 0;
  let most = -1;
  for (const [key, n] of counts) {
    if (n > most) {
      most = n;
      background = key;
    }
  }
  const bg = [((background >> 10) & 31) << 3, ((background >> 5) & 31) << 3, (background & 31) << 3];
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    const d = Math.max(Math.abs(data[i]! - bg[0]!), Math.abs(data[i + 1]! - bg[1]!), Math.abs(data[i + 2]! - bg[2]!));
    // 15: the background colour was rounded down to 5 bits (up to 7 off), plus a margin for antialiasing.
    if (d > 15) inked++;
  }
  return { width, height, colours: counts.size, inked: inked / (width * height) };
}

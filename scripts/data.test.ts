import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dataset, fileRecord, tempDir, writeManifest } from '../kit/data/testing.ts';
import { runDataCli, type CliIo } from './data.ts';

const CONTENT = new TextEncoder().encode('hello, dataset\n');

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok/hello.txt') {
      res.writeHead(200, { 'content-length': String(CONTENT.length) });
      res.end(CONTENT);
    } else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let tmp: ReturnType<typeof tempDir>;
let manifestPath: string;
beforeEach(() => {
  tmp = tempDir();
  manifestPath = writeManifest(tmp.dir, { hello: dataset([fileRecord('hello.txt', 'text', CONTENT)], { title: 'A one-file fixture' }) });
});
afterEach(() => {
  tmp.cleanup();
});

function io(urls: string[]): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    download: { manifestPath, urls },
    env: { KIT_DATA_DIR: path.join(tmp.dir, 'kit') },
  };
}

describe('npm run data', () => {
  it('downloads into $KIT_DATA_DIR/<name>/ and says so, then reports it present', async () => {
    const a = io([`${base}/missing/`, `${base}/ok/`]);
    expect(await runDataCli(['hello'], a)).toBe(0);
    expect(a.stdout.at(-1)).toContain(`hello: downloaded hello.txt into ${path.join(tmp.dir, 'kit', 'hello')} (checksums verified)`);
    expect(readdirSync(path.join(tmp.dir, 'kit', 'hello'))).toEqual(['hello.txt']);
    const b = io([`${base}/missing/`]);
    expect(await runDataCli(['hello'], b)).toBe(0);
    expect(b.stdout.join('\n')).toContain('hello is already present and valid');
  });

  it('exits 1 with the one-paragraph error when every URL fails, leaving nothing behind', async () => {
    const dir = path.join(tmp.dir, 'out');
    const a = io([`${base}/missing/`]);
    expect(await runDataCli(['hello', '--dir', dir], a)).toBe(1);
    expect(a.stderr).toHaveLength(1);
    expect(a.stderr[0]).toContain(`${base}/missing/hello.txt (HTTP 404 Not Found)`);
    expect(a.stderr[0]).toContain('`npm run data -- hello`');
    // The folder the download created is gone again (an empty data/<name>/ would look like a dataset) …
    expect(existsSync(dir)).toBe(false);
    // … and one that was there before is kept, with nothing left in it.
    mkdirSync(dir);
    expect(await runDataCli(['hello', '--dir', dir], a)).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an interrupted download (Ctrl-C) leaves neither a partial file nor the folder it created', () => {
    const dir = path.join(tmp.dir, 'interrupted');
    // A server that never answers: the download waits until the signal comes.
    const script = `
      import { createServer } from 'node:http';
      import { runDataCli } from ${JSON.stringify(path.join(import.meta.dirname, 'data.ts'))};
      const server = createServer(() => {}).listen(0, '127.0.0.1', () => {
        const url = 'http://127.0.0.1:' + server.address().port + '/';
        setTimeout(() => process.kill(process.pid, 'SIGINT'), 1500);
        void runDataCli(['hello', '--dir', ${JSON.stringify(dir)}], { out: () => {}, err: () => {}, download: { manifestPath: ${JSON.stringify(manifestPath)}, urls: [url] } });
      });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(130);
    expect(existsSync(dir)).toBe(false);
  }, 90_000);

  it('lists the datasets with their status', async () => {
    mkdirSync(path.join(tmp.dir, 'kit', 'hello'), { recursive: true });
    writeFileSync(path.join(tmp.dir, 'kit', 'hello', 'hello.txt'), CONTENT);
    const a = io([]);
    expect(await runDataCli(['--list'], a)).toBe(0);
    expect(a.stdout.join('\n')).toMatch(/^hello +present in .*kit\/hello\n +A one-file fixture$/);
  });

  it('lists a file that fails its checksum as corrupt, with the fix', async () => {
    mkdirSync(path.join(tmp.dir, 'kit', 'hello'), { recursive: true });
    writeFileSync(path.join(tmp.dir, 'kit', 'hello', 'hello.txt'), 'hello, tampered\n');
    const a = io([]);
    expect(await runDataCli(['--list'], a)).toBe(0);
    expect(a.stdout[0]).toMatch(/^hello +CORRUPT: .*hello\.txt fails its checksum\. .*npm run data -- hello/);
  });

  it('rejects unknown datasets and bad arguments', async () => {
    const a = io([]);
    expect(await runDataCli(['nope'], a)).toBe(1);
    expect(a.stderr[0]).toContain('Unknown dataset "nope"');
    expect(await runDataCli([], a)).toBe(2);
    expect(await runDataCli(['hello', '--frobnicate'], a)).toBe(2);
    expect(a.stderr.at(-1)).toContain('unknown option --frobnicate');
  });
});

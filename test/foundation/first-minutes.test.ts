import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { loggerOptions } from '../../src/logger.js';
import { startTestService, type TestService } from '../support/service.js';

/** What a newcomer meets in their first minutes: the front door, the docs, the terminal. */

let s: TestService;
beforeAll(async () => {
  s = await startTestService();
});
afterAll(() => s.close());

describe('the front door', () => {
  it('is a page linking the API docs, health and, when it runs, the phone simulator; with a favicon', async () => {
    const page = await s.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    for (const href of ['/docs', '/openapi.json', '/healthz', '/readyz', '/favicon.svg']) expect(page.body).toContain(`href="${href}"`);
    expect(page.body).not.toContain('href="/sim"');
    const icon = await s.app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');

    const dev = await buildApp(s.deps, { simPageUrl: 'http://127.0.0.1:3001/sim', devAdminToken: 'dev-admin-token-change-me-0000' });
    try {
      const devPage = (await dev.inject({ method: 'GET', url: '/' })).body;
      expect(devPage).toContain('href="/sim"');
      expect(devPage).toContain("Authorization: Bearer dev-admin-token-change-me-0000");
      // The API docs say which token to paste into Authorize.
      const document = (await dev.inject({ method: 'GET', url: '/openapi.json' })).json();
      expect(document.components.securitySchemes.bearer.description).toContain('dev-admin-token-change-me-0000');
    } finally {
      await dev.close();
    }
  });
});

describe('the log', () => {
  it('has one line per request, saying method, path, status and time', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const app = await buildApp({ ...s.deps, logger: pino(loggerOptions('info'), sink) });
    try {
      await app.inject({ method: 'GET', url: '/healthz' });
      await app.inject({ method: 'GET', url: '/no-such-page' });
    } finally {
      await app.close();
    }
    const requests = lines.map((l) => JSON.parse(l) as { msg: string; res?: { statusCode: number } }).filter((l) => l.res);
    expect(requests.map((l) => l.msg.replace(/\d+ ms$/, 'N ms'))).toEqual(['GET /healthz 200 N ms', 'GET /no-such-page 404 N ms']);
  });
});

/** Runs `npm run dev` (its script) with `env`; resolves with its exit code and output once it exits. */
function runDev(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run dev with a port in use', () => {
  let held: Server;
  let port: number;
  beforeAll(async () => {
    held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    port = (held.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => held.close(() => resolve())));

  it('says PORT is taken and how to choose another, without a stack trace, before starting anything', async () => {
    const { code, output } = await runDev({ PORT: String(port), SIM_PORT: '0' });
    expect(code).toBe(1);
    expect(output).toContain(`Port ${port} is already in use`);
    expect(output).toContain(`PORT=${port + 100} npm run dev`);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain('embedded Postgres');
  });

  it("says SIM_PORT is taken when the phone simulator's port is", async () => {
    const { code, output } = await runDev({ PORT: '0', SIM_PORT: String(port) });
    expect(code).toBe(1);
    expect(output).toContain(`SIM_PORT=${port + 100} npm run dev`);
    expect(output).not.toMatch(/^\s+at /m);
  });
});

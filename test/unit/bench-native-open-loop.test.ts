import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { framedRecords, nativeOpenLoop, nativeOpenLoopBinary } from '../../bench/suite/native-open-loop.ts';
import type { Operation } from '../../bench/suite/operations.ts';

// The native open loop is a measuring instrument: these check it against node:http's server.
const built = nativeOpenLoopBinary();
const missing = built.path === null ? built.why : '';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

interface Seen {
  readonly bodies: string[];
  readonly users: string[];
  connections: number;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ port: number; seen: Seen }> {
  const seen: Seen = { bodies: [], users: [], connections: 0 };
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.bodies.push(body);
      seen.users.push(String(req.headers['x-user-id']));
      handler(req, res, body);
    });
  });
  server.on('connection', () => seen.connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

const part = (json: string) => `\r\n---\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;

/** An operation whose i-th request names i and whose good answers say ok. */
function numbered(multipart: boolean): Operation {
  return {
    document: 'test',
    multipart,
    request: (i) => ({ body: JSON.stringify({ n: i }), headers: { 'content-type': 'application/json', 'x-user-id': String(i % 3) } }),
    check: (payloads) => (payloads.length >= 1 && payloads.every((p) => p.includes('"ok":true')) ? null : `not ok: ${payloads.join('|').slice(0, 80)}`),
    tag: (payloads) => (payloads.length > 1 ? 'streamed' : 'single'),
  };
}

if (missing && process.env.CI) {
  describe('native open loop', () => {
    it('needs a C compiler on CI', () => {
      expect(missing).toBe('');
    });
  });
}

describe.skipIf(missing !== '')(`native open loop (bench load generator)${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const target = (port: number) => ({ host: '127.0.0.1', port, path: '/graphql' });

  it('sends every scheduled request once, with its own body and headers, spread over the run, and times each answer', async () => {
    const { port, seen } = await serve((_req, res) => {
      const answer = '{"data":{"ok":true}}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer);
    });
    const started = performance.now();
    const run = await nativeOpenLoop(target(port), numbered(false), 200, 1, 1000, 4);
    const tookMs = performance.now() - started;
    expect(run.sent).toBe(200);
    expect(run.bad).toBe(0);
    expect(run.last.p50).toBeGreaterThan(0);
    expect(run.first.p50).toBe(run.last.p50); // one payload: first = last
    // Open loop: the requests are spread over the second, not sent at once.
    expect(tookMs).toBeGreaterThan(900);
    // Each request exactly once (two sent on two connections in the same instant may arrive
    // either way round), and each body with its own request's header.
    const sent = seen.bodies.map((b, i) => ({ n: (JSON.parse(b) as { n: number }).n, user: seen.users[i] }));
    expect(sent.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    for (const r of sent) expect(r.user).toBe(String(r.n % 3));
    expect(seen.connections).toBeLessThanOrEqual(4);
    expect(run.tags.single).toBeGreaterThan(0); // whole answers were checked and tagged
  });

  it('times the first multipart part when it is whole, before the chunked answer ends', async () => {
    const { port } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/mixed; boundary="-"' });
      res.write(part('{"data":{"ok":true},"hasNext":true}'));
      setTimeout(() => res.end(`${part('{"ok":true,"hasNext":false}')}\r\n-----\r\n`), 40);
    });
    const run = await nativeOpenLoop(target(port), numbered(true), 50, 1, 1000, 10);
    expect(run.bad).toBe(0);
    expect(run.first.p50).toBeLessThan(20);
    expect(run.last.p50).toBeGreaterThanOrEqual(39);
    expect(run.tags.streamed).toBeGreaterThan(0);
  });

  it('counts an error status, a failed check and a missing marker as bad, saying which', async () => {
    let calls = 0;
    const { port } = await serve((_req, res) => {
      calls++;
      const answer = calls % 2 === 0 ? '{"data":{"ok":false}}' : '{"data":{"ok":true}}';
      res.writeHead(calls % 5 === 0 ? 500 : 200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer);
    });
    const statuses = await nativeOpenLoop(target(port), numbered(false), 100, 1, 1000, 2, { expect: '"ok":true' });
    // Every 5th is a 500 and every 2nd lacks the marker: 20 + 50 - 10 (both) = 60 bad.
    expect(statuses.bad).toBe(60);
    expect(statuses.firstBad).toMatch(/answer without "ok":true|HTTP 500/);

    calls = 0;
    const checked = await nativeOpenLoop(target(port), numbered(false), 100, 1, 1000, 2);
    // Without the marker the generator passes every 200; at this size every answer is also
    // checked whole, which catches the 40 "ok":false among them.
    expect(checked.bad).toBe(60);
    expect(checked.firstBad).toBe('HTTP 500: {"data":{"ok":true}}');
  });

  it('keeps answering when the server closes connections, and counts what it never answered', async () => {
    let calls = 0;
    const { port, seen } = await serve((_req, res) => {
      calls++;
      if (calls === 3) return void res.socket?.destroy(); // cut mid-request
      const answer = '{"data":{"ok":true}}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length, ...(calls % 4 === 0 ? { connection: 'close' } : {}) }).end(answer);
    });
    const run = await nativeOpenLoop(target(port), numbered(false), 100, 1, 1000, 2);
    expect(run.sent).toBe(100);
    expect(run.bad).toBe(1);
    expect(run.firstBad).toBe('connection closed by the server');
    expect(seen.connections).toBeGreaterThan(20); // closed ones were replaced

    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const silent = await serve(() => {}); // never answers
    const unanswered = await nativeOpenLoop(target(silent.port), numbered(false), 20, 0.5, 200, 20);
    expect(unanswered.unfinished).toBe(10);
    expect(unanswered.bad).toBe(10);
    expect(unanswered.firstBad).toBe('10 unanswered after the drain time');
  });

  it('reads framed records', () => {
    const file = Buffer.from('3\nabc0\n5\nd\ne\nf');
    expect([...framedRecords(file)].map((b) => b.toString())).toEqual(['abc', '', 'd\ne\nf']);
  });
});

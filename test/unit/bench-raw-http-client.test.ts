import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawHttpPool } from '../../bench/suite/raw-http-client.ts';

// The open loop's client is a measuring instrument: these check it against node:http's server.
let server: Server | null = null;
let pool: RawHttpPool | null = null;
afterEach(async () => {
  pool?.destroy();
  pool = null;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, res, body));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

const part = (json: string) => `\r\n---\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;

describe('RawHttpPool (bench load generator client)', () => {
  it('sends the body and headers and reads a Content-Length answer with its status and Server-Timing', async () => {
    const { port } = await serve((req, res, body) => {
      const answer = JSON.stringify({ echo: JSON.parse(body), user: req.headers['x-user-id'], path: req.url });
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer), 'server-timing': 'total;dur=1.5' }).end(answer);
    });
    pool = new RawHttpPool({ host: '127.0.0.1', port, path: '/graphql' }, 4);
    const answer = await pool.send(JSON.stringify({ documentId: 'ü' }), { 'content-type': 'application/json', 'x-user-id': '7' }, false, performance.now());
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.payloads[0]!)).toEqual({ echo: { documentId: 'ü' }, user: '7', path: '/graphql' });
    expect(answer.serverTiming).toBe('total;dur=1.5');
    expect(answer.lastMs).toBeGreaterThanOrEqual(0);
  });

  it('times the first multipart part when it arrives, before a chunked answer ends', async () => {
    const { port } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'multipart/mixed; boundary="-"' });
      res.write(part('{"data":{"n":1},"hasNext":true}'));
      setTimeout(() => res.end(`${part('{"incremental":[],"hasNext":false}')}\r\n-----\r\n`), 60);
    });
    pool = new RawHttpPool({ host: '127.0.0.1', port, path: '/graphql' }, 1);
    const answer = await pool.send('{}', { accept: 'multipart/mixed' }, true, performance.now());
    expect(answer.payloads).toEqual(['{"data":{"n":1},"hasNext":true}', '{"incremental":[],"hasNext":false}']);
    expect(answer.lastMs - answer.firstMs).toBeGreaterThan(40);
  });

  it('keeps connections alive, opens no more than its size, and replaces one the server closed', async () => {
    let served = 0;
    const { port, connections } = await serve((_req, res) => {
      served++;
      // Every fifth answer closes its connection.
      res.writeHead(200, { 'content-length': 2, ...(served % 5 === 0 ? { connection: 'close' } : {}) }).end('ok');
    });
    pool = new RawHttpPool({ host: '127.0.0.1', port, path: '/' }, 2);
    const answers = await Promise.all(Array.from({ length: 8 }, () => pool!.send('', {}, false, performance.now())));
    expect(answers.map((a) => a.payloads[0])).toEqual(Array(8).fill('ok'));
    for (let i = 0; i < 12; i++) expect((await pool.send('', {}, false, performance.now())).status).toBe(200);
    // 20 answers, 4 of them closing: at most 2 at a time, plus one replacement per close.
    expect(connections()).toBeGreaterThanOrEqual(3);
    expect(connections()).toBeLessThanOrEqual(2 + 4);
  });

  it('rejects a request whose connection fails', async () => {
    const { port } = await serve((req) => req.socket.destroy());
    pool = new RawHttpPool({ host: '127.0.0.1', port, path: '/' }, 1);
    await expect(pool.send('', {}, false, performance.now())).rejects.toThrow(/closed|reset|ECONNRESET/);
  });
});

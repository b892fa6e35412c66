import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBodyText } from '../../src/gateway/read-body-text.ts';

describe('readBodyText (the edge reading a POST body)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A server whose handler reports what readBodyText settled with. */
  async function start(): Promise<{ port: number; outcome: Promise<{ text?: string; error?: string }> }> {
    let report!: (value: { text?: string; error?: string }) => void;
    const outcome = new Promise<{ text?: string; error?: string }>((resolve) => (report = resolve));
    server = createServer((req, res) => {
      readBodyText(req).then(
        (text) => {
          report({ text });
          res.end('ok');
        },
        (error: Error) => report({ error: error.message }),
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, outcome };
  }

  it('joins a body that arrives in several chunks, multi-byte characters split between them', async () => {
    const { port, outcome } = await start();
    const body = Buffer.from('{"documentId":"sha256:x","variables":{"q":"Amélie ✓"}}');
    const split = body.indexOf(0xc3) + 1; // inside the two bytes of "é"
    const req = request({ port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': body.length } });
    req.write(body.subarray(0, split));
    await new Promise((resolve) => setTimeout(resolve, 20));
    req.end(body.subarray(split));
    req.on('response', (res) => res.resume());
    expect(await outcome).toEqual({ text: body.toString('utf8') });
  });

  it('rejects when the client goes away before the body ends', async () => {
    const { port, outcome } = await start();
    const req = request({ port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': 1000 } });
    req.on('error', () => undefined);
    req.write('{"documentId":');
    await new Promise((resolve) => setTimeout(resolve, 20));
    req.destroy();
    // Node reports it as an 'aborted' error; either way the read settles instead of hanging.
    const settled = await outcome;
    expect(settled.text).toBeUndefined();
    expect(settled.error).toMatch(/aborted|closed the request before its body ended/);
  });
});

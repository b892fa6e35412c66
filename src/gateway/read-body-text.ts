import type { IncomingMessage } from 'node:http';

/**
 * Reads a POST body whose length the HTTP layer has checked already; rejects when the client
 * goes away before the end. Listeners, not an async iterator: a third of the cost per request.
 */
export function readBodyText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    req.on('data', (chunk: Buffer) => {
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    });
    req.once('end', () => resolve(more ? Buffer.concat(more).toString('utf8') : (first?.toString('utf8') ?? '')));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client closed the request before its body ended'));
    });
  });
}

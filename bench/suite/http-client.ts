import { Agent, request } from 'node:http';
import { MultipartReader } from './multipart.ts';
import type { Operation } from './operations.ts';

/** Where the load goes: one keep-alive agent per run, so connections are reused. */
export interface Target {
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

export function targetOf(url: string): Target {
  const parsed = new URL(url.replace('//localhost', '//127.0.0.1'));
  return { host: parsed.hostname, port: Number(parsed.port), path: parsed.pathname };
}

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

/** One answer: status, first and last payload times (ms after `from`), and the payloads. */
export interface Timed {
  readonly status: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly payloads: readonly string[];
  /** The Server-Timing header, when the server sent one. */
  readonly serverTiming?: string;
}

/**
 * Sends the operation's i-th request. Times are measured from `from` (the intended send time in
 * the open loop), so a request that waits for a free connection is charged for the wait.
 */
export function send(target: Target, agent: Agent, operation: Operation, i: number, from: number): Promise<Timed> {
  const { body, headers } = operation.request(i);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.host, port: target.port, path: target.path, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const reader = operation.multipart && res.headers['content-type']?.startsWith('multipart/mixed') ? new MultipartReader() : null;
        const chunks: Buffer[] = [];
        let firstMs = NaN;
        res.on('data', (chunk: Buffer) => {
          if (reader) {
            if (reader.push(chunk) > 0 && Number.isNaN(firstMs)) firstMs = performance.now() - from;
          } else {
            chunks.push(chunk);
          }
        });
        res.on('end', () => {
          const lastMs = performance.now() - from;
          resolve({
            status: res.statusCode ?? 0,
            firstMs: Number.isNaN(firstMs) ? lastMs : firstMs,
            lastMs,
            payloads: reader ? reader.payloads() : [Buffer.concat(chunks).toString('utf8')],
            ...(typeof res.headers['server-timing'] === 'string' ? { serverTiming: res.headers['server-timing'] } : {}),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** null for a good answer, else what is wrong with it. */
export function verdict(operation: Operation, answer: Timed): string | null {
  return answer.status === 200 ? operation.check(answer.payloads) : `HTTP ${answer.status}: ${answer.payloads.join('').slice(0, 200)}`;
}

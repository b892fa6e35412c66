import autocannon from 'autocannon';
import { payloadsOf, type Operation } from './operations.ts';

/** Throughput at fixed concurrency: each connection sends its next request when the last one ends. */
export interface ClosedLoopResult {
  readonly connections: number;
  readonly rps: number;
  /** Whole-response latency as autocannon sees it (ms); the open loop's figures are the ones to quote. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Non-200 answers, bodies failing the operation's check, socket errors and timeouts. */
  readonly bad: number;
}

/** autocannon (its own HTTP parser: it outruns node:http as a client); every body is checked. */
export async function closedLoop(url: string, operation: Operation, connections: number, seconds: number, firstIndex = 0): Promise<ClosedLoopResult> {
  let i = firstIndex;
  const result = await autocannon({
    url: url.replace('//localhost', '//127.0.0.1'),
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const { body, headers } = operation.request(i++);
          return { ...request, body, headers: { ...headers } };
        },
      },
    ],
    verifyBody: (body) => operation.check(payloadsOf(body, operation.multipart)) === null,
  });
  return {
    connections,
    rps: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    bad: result.non2xx + result.mismatches + result.errors + result.timeouts,
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenLoopResult } from '../../bench/suite/open-loop.ts';
import { trivialFeedPersisted } from '../../bench/suite/operations.ts';
import { DEFAULT_RULE, rateSweep } from '../../bench/suite/rate-sweep.ts';

/** A server model that keeps any rate up to `capacity` and misses its p99 bound above it. */
function stepAgainst(capacity: number, offered: number[]) {
  return async (rate: number): Promise<OpenLoopResult> => {
    offered.push(rate);
    const ms = (p99: number) => ({ p50: p99 / 4, p99, p999: p99 * 1.5, max: p99 * 2 });
    const p99 = rate <= capacity ? 10 : 200;
    return { offeredRps: rate, achievedRps: rate, sent: rate * 3, bad: 0, unfinished: 0, first: ms(p99 / 2), last: ms(p99), sendLagP99Ms: 0.1, tags: {} };
  };
}

// The sweep probes its target between steps (to wait out a backlog): a real server that answers at once.
let server: Server;
let target: { host: string; port: number; path: string };
beforeAll(async () => {
  server = createServer((_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = { host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/graphql' };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('rateSweep (bench)', () => {
  const timing = { stepS: 3, measureS: 8, drainMs: 100 };

  it('narrows the gap below a failed first step instead of settling for a quarter of the estimate', async () => {
    const offered: number[] = [];
    // Closed loop 452 req/s; the server keeps 180 req/s open-loop: half (226) fails, a quarter (113) holds.
    const sweep = await rateSweep(target, trivialFeedPersisted(), 452, timing, DEFAULT_RULE, () => {}, stepAgainst(180, offered));
    expect(offered.slice(0, 3)).toEqual([226, 226, 113]);
    // Halvings: 170 holds, 198 fails (twice): the best is 170, within 6% of the capacity.
    expect(offered.slice(3)).toEqual([170, 198, 198, 85, 85]); // the half rate twice: a steady run, then the recorded one
    expect(sweep.maxSustainedRps).toBe(170);
    expect(sweep.atHalf.offeredRps).toBe(85);
  });

  it('narrows the gap above the estimate too, within its two halvings', async () => {
    const offered: number[] = [];
    // Up from 100: 50, 70, 85, 100 hold, 115 fails; 108 holds (capacity 110), 112 fails, and the two halvings are spent.
    const sweep = await rateSweep(target, trivialFeedPersisted(), 100, timing, DEFAULT_RULE, () => {}, stepAgainst(110, offered));
    expect(offered).toEqual([50, 70, 85, 100, 115, 115, 108, 112, 112, 54, 54]);
    expect(sweep.maxSustainedRps).toBe(108);
  });

  it('goes on up past the estimate while steps hold, and stops at the highest when all of them do', async () => {
    const offered: number[] = [];
    // The closed loop understated the server (capacity 160): 150 holds, 175 fails, 163 fails, 157 holds.
    const above = await rateSweep(target, trivialFeedPersisted(), 100, timing, DEFAULT_RULE, () => {}, stepAgainst(160, offered));
    expect(offered).toEqual([50, 70, 85, 100, 115, 130, 150, 175, 175, 163, 163, 157, 79, 79]);
    expect(above.maxSustainedRps).toBe(157);

    offered.length = 0;
    const all = await rateSweep(target, trivialFeedPersisted(), 100, timing, DEFAULT_RULE, () => {}, stepAgainst(1000, offered));
    expect(offered).toEqual([50, 70, 85, 100, 115, 130, 150, 175, 200, 250, 300, 150, 150]);
    expect(all.maxSustainedRps).toBe(300);
  });
});

import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitingForTurn, yieldToArrivals } from '../../src/runtime/yield-to-arrivals.ts';

/** Burns the CPU for `ms` (synchronous work, like a refined pass's search and feature rows). */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('yieldToArrivals', () => {
  let server: Server | undefined;
  let client: Socket | undefined;
  afterEach(async () => {
    client?.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = client = undefined;
  });

  it('releases waiters in order, each in a turn of its own', async () => {
    const order: string[] = [];
    const waiters = ['a', 'b', 'c'].map((name) => yieldToArrivals().then(() => void order.push(name)));
    expect(waitingForTurn()).toBe(3);
    // Queued after the three: with one setImmediate each it would run after all of them.
    setImmediate(() => order.push('immediate'));
    await Promise.all(waiters);
    expect(order).toEqual(['a', 'immediate', 'b', 'c']);
    expect(waitingForTurn()).toBe(0);
  });

  it('lets a request that arrived during one waiter\'s work in before the next waiter', async () => {
    const order: string[] = [];
    server = createServer((socket) => socket.on('data', () => order.push('arrival')));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((resolve) => client!.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20)); // the server has accepted it

    const first = yieldToArrivals().then(() => {
      order.push('first');
      client!.write('request'); // arrives while this work still runs
      busyFor(20);
    });
    const second = yieldToArrivals().then(() => void order.push('second'));
    await Promise.all([first, second]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['first', 'arrival', 'second']);
  });

  it('starts again after the queue ran dry', async () => {
    await yieldToArrivals();
    expect(waitingForTurn()).toBe(0);
    const order: number[] = [];
    await Promise.all([1, 2].map((n) => yieldToArrivals().then(() => void order.push(n))));
    expect(order).toEqual([1, 2]);
  });
});

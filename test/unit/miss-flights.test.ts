import { describe, expect, it } from 'vitest';
import { EMPTY_MEMORY_MS, MissFlights } from '../../src/gateway/response-cache/miss-flights.ts';
import { storedResponse } from '../../src/gateway/response-cache/response-store.ts';

const ANSWER = storedResponse('{"data":{"x":1}}', 0);

describe('MissFlights', () => {
  it('lets one request lead a key; the others wait and get its stored answer', async () => {
    const flights = new MissFlights(10_000);
    const leader = flights.lead('k');
    expect(leader).not.toBeNull();
    expect(flights.lead('k')).toBeNull();
    expect(flights.lead('other')).not.toBeNull(); // keys are apart
    const waiting = [flights.follow('k'), flights.follow('k')];
    flights.storing('k', Promise.resolve(ANSWER));
    leader!.end(); // a store is under way: the flight ends with it, not with `end`
    expect(await Promise.all(waiting)).toEqual([ANSWER, ANSWER]);
    expect(flights.lead('k')).not.toBeNull(); // the flight is over: the next miss leads again
  });

  it('sends followers on with nothing when the leader ends without storing, or its store fails', async () => {
    const flights = new MissFlights(10_000);
    flights.lead('a')!.end();
    expect(await flights.follow('a')).toBeNull(); // no flight: nothing to wait for
    const leader = flights.lead('a')!;
    const waiting = flights.follow('a');
    leader.end();
    expect(await waiting).toBeNull();
    flights.lead('b');
    const waitingB = flights.follow('b');
    flights.storing('b', Promise.reject(new Error('redis down')));
    expect(await waitingB).toBeNull();
    expect(flights.size).toBe(0);
  });

  it('waits at most maxWaitMs from the start of the flight; an overrun flight is replaced', async () => {
    let now = 0;
    const flights = new MissFlights(40, () => now);
    const slow = flights.lead('k')!;
    const started = performance.now();
    expect(await flights.follow('k')).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(30);
    now = 50;
    const next = flights.lead('k'); // the slow leader overran: a new request leads
    expect(next).not.toBeNull();
    const waiting = flights.follow('k');
    slow.end(); // the old leader ending late does not end the new flight
    expect(flights.lead('k')).toBeNull();
    flights.storing('k', Promise.resolve(ANSWER));
    expect(await waiting).toBe(ANSWER);
  });

  it('remembers for EMPTY_MEMORY_MS a key whose flight stored nothing; a stored answer clears it', async () => {
    let now = 0;
    const flights = new MissFlights(10_000, () => now);
    flights.lead('k')!.end();
    expect(flights.recentlyEmpty('k')).toBe(true);
    expect(flights.recentlyEmpty('other')).toBe(false);
    now = EMPTY_MEMORY_MS;
    expect(flights.recentlyEmpty('k')).toBe(false);
    flights.lead('k');
    flights.storing('k', Promise.reject(new Error('write failed')));
    await new Promise((done) => setImmediate(done));
    expect(flights.recentlyEmpty('k')).toBe(true); // a failed write stores nothing either
    flights.lead('k');
    flights.storing('k', Promise.resolve(ANSWER));
    await new Promise((done) => setImmediate(done));
    expect(flights.recentlyEmpty('k')).toBe(false);
  });
});

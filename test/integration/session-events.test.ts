import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dot } from '../../src/pipeline/vectors.ts';
import { documentId, errorCodes, postGraphQL, runPersisted, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';
import { fetchIncremental } from '../fixtures/incremental.ts';

describe('session events steer the next feed', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { BUDGET_HOME_MS: '3000' } });
  });
  afterAll(() => gw.close());

  function itemVector(id: string): Float32Array {
    const row = gw.artifacts.items.findIndex((i) => i.id === id);
    const d = gw.artifacts.manifest.dimension;
    return gw.artifacts.itemVectors.subarray(row * d, (row + 1) * d);
  }

  /** Mean similarity of a feed's items to a target item: how close the feed is to its neighbourhood. */
  function closeness(ids: string[], target: string): number {
    const t = itemVector(target);
    return ids.reduce((sum, id) => sum + dot(itemVector(id), t), 0) / ids.length;
  }

  async function homeFeed(headers: Record<string, string>) {
    const { parts } = await fetchIncremental(
      gw.graphqlUrl,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ documentId: documentId('HomeFeed'), variables: { first: 20 } }) },
      'multipart/mixed',
    );
    return { coarse: parts[0]!.body.data.feed.coarse, refined: parts[1]!.body.incremental[0].data.refined };
  }

  const ids = (ranking: any): string[] => ranking.items.map((r: any) => r.item.id);

  it('moves a known user’s coarse and refined lists toward the clicked item', async () => {
    const viewer = { 'x-user-id': '5' };
    const before = await homeFeed(viewer);
    // The item the user's feed is least like: a click there must visibly pull the feed.
    const target = gw.artifacts.items
      .map((item) => item.id)
      .slice(0, 500)
      .sort((a, b) => closeness(ids(before.coarse), a) - closeness(ids(before.coarse), b))[0]!;
    for (let i = 0; i < 3; i++) {
      const res = await runPersisted(gw, 'RecordEvent', { input: { itemId: target, type: 'CLICK' } }, viewer);
      expect(res.body.data?.recordEvent).toEqual({ accepted: true, eventId: expect.any(String) });
    }
    const after = await homeFeed(viewer);
    expect(after.coarse.source).toBe('SESSION');
    expect(after.refined.degraded).toBe(false);
    expect(closeness(ids(after.coarse), target)).toBeGreaterThan(closeness(ids(before.coarse), target) + 0.1);
    expect(closeness(ids(after.refined), target)).toBeGreaterThan(closeness(ids(before.refined), target) + 0.1);
    // The clicked item itself is not recommended back.
    expect(ids(after.coarse)).not.toContain(target);
  });

  it('personalizes an anonymous session after its first click', async () => {
    const viewer = { 'x-session-id': 'anon-session-1' };
    const before = await homeFeed(viewer);
    expect(before.coarse.source).toBe('TRENDING');
    expect(before.refined.degradedReason).toBe('COLD_START');
    await runPersisted(gw, 'RecordEvent', { input: { itemId: '10', type: 'PURCHASE' } }, viewer);
    const after = await homeFeed(viewer);
    expect(after.coarse.source).toBe('SESSION');
    expect(after.refined).toMatchObject({ stage: 'REFINED', degraded: false });
    expect(closeness(ids(after.coarse), '10')).toBeGreaterThan(closeness(ids(before.coarse), '10'));
  });

  it('does not let one viewer’s clicks change another viewer’s feed', async () => {
    const other = await homeFeed({ 'x-user-id': '6' });
    await runPersisted(gw, 'RecordEvent', { input: { itemId: '20', type: 'PURCHASE' } }, { 'x-user-id': '7' });
    const again = await homeFeed({ 'x-user-id': '6' });
    expect(ids(again.coarse)).toEqual(ids(other.coarse));
  });

  it('explains a recommendation only in words that fit its source', async () => {
    const viewer = { 'x-session-id': 'explained-session' };
    await runPersisted(gw, 'RecordEvent', { input: { itemId: '30', type: 'CLICK' } }, viewer);
    const query = '{ feed(first: 2) { coarse { source items { explanation item { genres } } } } trending(first: 1) { explanation } }';
    const res = await postGraphQL(gw, { query }, viewer);
    const coarse = res.body.data?.feed.coarse;
    expect(coarse.source).toBe('SESSION');
    expect(coarse.items[0].explanation).toMatch(/^Close to what you looked at in this session/);
    expect(coarse.items[0].explanation).toContain(coarse.items[0].item.genres[0]);
    expect(res.body.data?.trending[0].explanation).toMatch(/^Popular right now/);
  });

  it('refuses an event from a viewer with no identity', async () => {
    const res = await runPersisted(gw, 'RecordEvent', { input: { itemId: '1', type: 'VIEW' } });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('counts events into trending', async () => {
    const before = await runPersisted(gw, 'Trending', { first: 100 });
    const rare = gw.artifacts.items.find((i) => !before.body.data?.trending.some((r: any) => r.item.id === i.id))!.id;
    for (let i = 0; i < 40; i++) {
      await runPersisted(gw, 'RecordEvent', { input: { itemId: rare, type: 'PURCHASE' } }, { 'x-session-id': `trend-${i}` });
    }
    const after = await runPersisted(gw, 'Trending', { first: 100 });
    const position = after.body.data?.trending.findIndex((r: any) => r.item.id === rare);
    expect(position).toBeGreaterThanOrEqual(0);
  });
});

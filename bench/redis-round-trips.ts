/**
 * Redis commands per uncached HomeFeed request, from INFO commandstats before and after.
 *
 *   npm run bench:redis-trips -- [--requests 200] [--artifacts artifacts]
 *
 * Starts a private redis-server on a free loopback port (so nothing else's commands are
 * counted), loads the artifacts folder into it, starts the gateway in-process on Redis-backed
 * services, sends `requests` HomeFeed requests (multipart, both payloads read) for distinct
 * users, and prints the commands per request by command. Each MGET/GET/HGETALL is one round
 * trip on its own; the round trips line counts sequential waits instead (commands sent side by
 * side, or in one auto-pipelined write, share one).
 */
import { parseArgs } from 'node:util';
import { meros } from 'meros/browser';
import { startLocalRanker } from '../src/adapters/embedded-services.ts';
import { createRedisServices } from '../src/adapters/redis-services.ts';
import { closeRedis, createRedis, parseRedisTarget } from '../src/adapters/redis/redis-connection.ts';
import { loadArtifactsIntoRedis } from '../src/adapters/redis/load-artifacts.ts';
import { loadConfig } from '../src/config.ts';
import { startGateway } from '../src/gateway/gateway.ts';
import { loadArtifacts } from '../src/offline/artifacts.ts';
import { readFileSync } from 'node:fs';
import { PrivateRedis } from '../test/fixtures/private-redis.ts';
import { trackStoreWaits } from '../test/fixtures/store-waits.ts';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '200' }, artifacts: { type: 'string', default: 'artifacts' } } });
const REQUESTS = Number(args.requests);

const redisServer = await PrivateRedis.start();
const url = redisServer.url;
try {
  const artifacts = await loadArtifacts(args.artifacts);
  const loader = await createRedis(parseRedisTarget(url));
  await loadArtifactsIntoRedis(loader, artifacts, { prefix: 'bench' });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', REDIS_URL: url, REDIS_PREFIX: 'bench', ARTIFACTS_DIR: args.artifacts, BUDGET_HOME_MS: '2000', RESPONSE_CACHE: 'false', WARM_UP_ROUNDS: '0' });
  const ranker = await startLocalRanker(artifacts, config);
  const redis = await createRedisServices(artifacts, config, ranker, null);
  const tracked = trackStoreWaits(redis.services);
  const gateway = await startGateway(config, tracked.services);
  const manifest = JSON.parse(readFileSync(new URL('../persisted-queries/manifest.json', import.meta.url), 'utf8')) as Record<string, string>;
  const homeFeed = Object.keys(manifest).find((id) => manifest[id]!.startsWith('query HomeFeed'))!;
  const request = async (user: number) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed', 'x-user-id': String(user) },
      body: JSON.stringify({ documentId: homeFeed, variables: { first: 20 } }),
    });
    for await (const _part of (await meros(response)) as AsyncIterable<unknown>) void _part;
  };
  await request(1); // warm-up outside the count
  const stats = async () => parseCommandStats(String(await loader.info('commandstats')));
  const before = await stats();
  tracked.reset();
  const headUsers = new Set(artifacts.precomputed.keys());
  let head = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const user = 2 + ((i * 7919) % (artifacts.userIds.length - 1));
    if (headUsers.has(String(user))) head++;
    await request(user);
  }
  const waits = tracked.waits();
  const after = await stats();
  const rows = Object.keys(after)
    .map((cmd) => ({ cmd, perRequest: ((after[cmd] ?? 0) - (before[cmd] ?? 0)) / REQUESTS }))
    .filter((r) => r.perRequest > 0 && r.cmd !== 'info');
  console.log(`\nRedis commands per uncached HomeFeed (${REQUESTS} requests, ${head} of them head users with a precomputed list; private redis-server)\n`);
  for (const r of rows) console.log(`${r.cmd.padEnd(12)} ${r.perRequest.toFixed(2)}`);
  console.log(`${'total'.padEnd(12)} ${rows.reduce((s, r) => s + r.perRequest, 0).toFixed(2)}`);
  console.log(`\nround trips  ${(waits / REQUESTS).toFixed(2)} per request (sequential waits on Redis: commands sent side by side share one)`);
  for (const [call, n] of tracked.calls) console.log(`  ${call.padEnd(32)} ${(n / REQUESTS).toFixed(2)}`);
  await gateway.close();
  await redis.close();
  await closeRedis(loader);
} finally {
  await redisServer.stop();
}

function parseCommandStats(info: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([a-z|]+):calls=(\d+)/.exec(line.trim());
    if (match) out[match[1]!] = Number(match[2]);
  }
  return out;
}

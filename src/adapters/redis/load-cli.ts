import { parseCli } from '../../cli/parse-cli.ts';
import { resolve } from 'node:path';
import { loadArtifacts } from '../../offline/artifacts.ts';
import { createProgress, formatDuration } from '../../offline/progress.ts';
import { LOAD_CHUNK_COMMANDS, RETIRE_DELAY_MS, loadArtifactsIntoRedis } from './load-artifacts.ts';
import { closeRedis, createRedis, parseRedisTarget } from './redis-connection.ts';
import { DEFAULT_BUCKETS } from './redis-keys.ts';

/**
 * `npm run load -- --artifacts <dir> [options]`: bulk-loads an artifacts folder into Redis as a
 * new version and switches the gateways to it. Progress goes to stderr, the summary to stdout.
 */

const USAGE = `Usage: npm run load -- --artifacts <dir> [options]

Loads an artifacts folder into Redis under a new version <prefix>:v<N>, switches
<prefix>:current to N in one command (gateways follow within a second), then removes
older versions.

Options:
  --artifacts <dir>  artifacts folder to load                           (required)
  --redis <url>      redis://host:port[/db], rediss://..., or
                     redis-cluster://host1:port1,host2:port2           (default: $REDIS_URL or redis://127.0.0.1:6379)
  --prefix <p>       key prefix                                        (default: $REDIS_PREFIX or gw)
  --buckets <n>      hash-tag buckets for item and user keys           (default: ${DEFAULT_BUCKETS})
  --chunk <n>        commands per pipeline                             (default: ${LOAD_CHUNK_COMMANDS})
  --retire-delay-ms <ms>  wait after the switch before removing old versions (default: ${RETIRE_DELAY_MS})
  --quiet            no progress bar
  -h, --help         this text
`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCli(
    argv,
    {
      artifacts: { type: 'string' },
      redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      prefix: { type: 'string', default: process.env.REDIS_PREFIX ?? 'gw' },
      buckets: { type: 'string', default: String(DEFAULT_BUCKETS) },
      chunk: { type: 'string', default: String(LOAD_CHUNK_COMMANDS) },
      'retire-delay-ms': { type: 'string', default: String(RETIRE_DELAY_MS) },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    USAGE,
  );
  if (parsed.exitCode !== undefined) return parsed.exitCode;
  const { values } = parsed;
  if (!values.artifacts) {
    process.stderr.write(`--artifacts is required\n\n${USAGE}`);
    return 2;
  }
  const buckets = integer('--buckets', values.buckets, 1, 16_384);
  const chunkSize = integer('--chunk', values.chunk, 1, 100_000);
  const retireDelayMs = integer('--retire-delay-ms', values['retire-delay-ms'], 0, 3_600_000);
  if (buckets === undefined || chunkSize === undefined || retireDelayMs === undefined) return 2;

  const dir = resolve(values.artifacts);
  const artifacts = await loadArtifacts(dir);
  // A bulk load may meet a busy server: allow slow replies, unlike a gateway's request path.
  const redis = await createRedis(parseRedisTarget(values.redis), { commandTimeoutMs: 60_000, connectionName: 'artifacts-loader' });
  try {
    const progress = createProgress(`load ${artifacts.manifest.itemCount} items`, process.stderr, { quiet: values.quiet });
    const result = await loadArtifactsIntoRedis(redis, artifacts, {
      prefix: values.prefix,
      itemBuckets: buckets,
      userBuckets: buckets,
      chunkSize,
      retireDelayMs,
      onProgress: (done, total) => progress.update(done / total),
    });
    progress.done();
    const lines = [
      `loaded ${dir} into Redis ${values.redis.replace(/\/\/[^@/]*@/, '//***@')}`,
      `  version       ${values.prefix}:v${result.version} now serving (was ${result.previousVersion === null ? 'none' : `v${result.previousVersion}`})`,
      `  keys          ${result.keys} (${artifacts.manifest.itemCount} items, ${artifacts.manifest.userCount} users, ${artifacts.precomputed.size} precomputed lists, ${buckets} buckets)`,
      `  retired       ${result.retiredVersions.length === 0 ? 'none' : result.retiredVersions.map((v) => `v${v}`).join(', ')}`,
      `  time          ${formatDuration(result.seconds * 1000)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await closeRedis(redis);
  }
}

function integer(flag: string, text: string, min: number, max: number): number | undefined {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    process.stderr.write(`${flag} must be an integer in ${min}..${max}, got "${text}"\n`);
    return undefined;
  }
  return value;
}

process.exitCode = await main(process.argv.slice(2));

import { parseCli } from '../cli/parse-cli.ts';
import { resolve } from 'node:path';
import { buildArtifacts } from './build-artifacts.ts';
import { buildSyntheticArtifacts } from './build-synthetic-artifacts.ts';
import { loadMovieLens } from './movielens.ts';
import { formatDuration } from './progress.ts';
import { DEFAULT_DIMENSION, DEFAULT_ITEMS, DEFAULT_USERS, MAX_DIMENSION, MIN_DIMENSION } from './synthetic-data.ts';

/**
 * `npm run build:artifacts -- [options]`: builds the default (synthetic) artifacts folder.
 * Progress goes to stderr, the summary to stdout.
 */

const USAGE = `Usage: node --import tsx src/offline/build-artifacts-cli.ts [options]

Builds an artifacts folder: catalog, trained embeddings, ranker-light and ranker-heavy
(ONNX, FP32 and INT8), the ANN index for large catalogs, trending and head-user lists, and
the held-out split for \`npm run eval\`. From a synthetic world (default) or MovieLens CSVs.

Options:
  --movielens <dir>  build from a MovieLens folder (ratings.csv, movies.csv) instead
  --out <dir>     artifacts folder, replaced if it exists   (default: artifacts)
  --no-heavy      skip ranker-heavy
  --positive-threshold <r>  ratings >= r are positives     (default: 4)
  --time-cut <ISO date>         hold out by a global time cut instead of each user's last positive
  --items <n>     catalog size, up to 1,000,000              (default: ${DEFAULT_ITEMS})
  --users <n>     number of users                            (default: ${DEFAULT_USERS})
  --dim <n>       embedding dimension, ${MIN_DIMENSION}..${MAX_DIMENSION}               (default: ${DEFAULT_DIMENSION})
  --seed <n>      random seed                                (default: 42)
  --quiet         no progress bars
  -h, --help      this text
`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCli(
    argv,
    {
      out: { type: 'string', default: 'artifacts' },
      movielens: { type: 'string' },
      'no-heavy': { type: 'boolean', default: false },
      'positive-threshold': { type: 'string', default: '4' },
      'time-cut': { type: 'string' },
      items: { type: 'string', default: String(DEFAULT_ITEMS) },
      users: { type: 'string', default: String(DEFAULT_USERS) },
      dim: { type: 'string', default: String(DEFAULT_DIMENSION) },
      seed: { type: 'string', default: '42' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    USAGE,
  );
  if (parsed.exitCode !== undefined) return parsed.exitCode;
  const { values } = parsed;
  const items = integer('--items', values.items, 1);
  const users = integer('--users', values.users, 1);
  const dimension = integer('--dim', values.dim, MIN_DIMENSION, MAX_DIMENSION);
  const seed = integer('--seed', values.seed, 0);
  if (items === undefined || users === undefined || dimension === undefined || seed === undefined) return 2;

  const dir = resolve(values.out);
  const heavy = !values['no-heavy'];
  const positiveThreshold = Number(values['positive-threshold']);
  const timeCutMs = values['time-cut'] === undefined ? undefined : Date.parse(values['time-cut']);
  if (!Number.isFinite(positiveThreshold) || (timeCutMs !== undefined && Number.isNaN(timeCutMs))) {
    process.stderr.write('--positive-threshold must be a number and --time-cut an ISO date (e.g. 2016-01-01)\n');
    return 2;
  }
  const { manifest, timingsMs } = values.movielens
    ? await buildArtifacts({ dir, dataset: await loadMovieLens(resolve(values.movielens)), seed, dimension, heavy, positiveThreshold, timeCutMs, quiet: values.quiet })
    : await buildSyntheticArtifacts({ dir, items, users, dimension, seed, heavy, positiveThreshold, timeCutMs, quiet: values.quiet });
  const m = manifest.metrics;
  const lines = [
    `artifacts written to ${dir}`,
    `  source        ${manifest.source.description}`,
    `  catalog       ${manifest.itemCount} items, ${manifest.userCount} users, dimension ${manifest.dimension}, seed ${seed}`,
    `  rankers       ${manifest.rankers.map((r) => `${r.file} (${r.featureCount} features)`).join(', ')}`,
    `  training      ${m.rankerExamples} ranker rows; held-out AUC light ${fixed(m['ranker-light.heldOutAuc'])}, heavy ${fixed(m['ranker-heavy.heldOutAuc'])}; ${m.testUsers} test users`,
    `  lists         trending ${manifest.trending.listLength}, precomputed ${manifest.precomputed.users} head users x ${manifest.precomputed.listLength}`,
    `  time          ${Object.entries(timingsMs).map(([stage, ms]) => `${stage} ${formatDuration(ms)}`).join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function integer(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    process.stderr.write(`${flag} must be an integer in ${min}..${max}, got "${text}"\n`);
    return undefined;
  }
  return value;
}

function fixed(value: number | undefined): string {
  return value === undefined ? '?' : value.toFixed(3);
}

process.exitCode = await main(process.argv.slice(2));

import type { RedisClient } from './redis-connection.ts';
import type { ScoredItemId } from '../../ports/feature-store.ts';
import type { TrendingSource } from '../../ports/trending.ts';
import { TRENDING_BASELINE_EVENTS, TRENDING_HALF_LIFE_MS } from '../memory/memory-trending.ts';

export interface RedisTrendingOptions {
  /** Keys: `<prefix>:trending` (sorted set), `<prefix>:trending:landmark` (epoch ms). */
  readonly prefix: string;
  /** The offline trending list; seeds the set when this prefix has no landmark yet. */
  readonly baseline: readonly ScoredItemId[];
  readonly nowMs?: number;
}

/**
 * Decayed interaction counts in a Redis sorted set, with forward decay: an event adds
 * w * 2^((t - landmark)/halfLife) by ZINCRBY, so stored scores never need rewriting;
 * `top` reads ZREVRANGE WITHSCORES and scales by 2^(-(now - landmark)/halfLife). The
 * landmark is shared by every gateway through `<prefix>:trending:landmark` (SET NX).
 * Scores grow by 2x per half-life: a double holds about 1000 half-lives (250 days at 6 h),
 * so a deployment older than that needs a re-landmark (not done here).
 */
export class RedisTrending implements TrendingSource {
  private constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly landmarkMs: number,
  ) {}

  /** Opens (and seeds, the first time for this prefix) the trending set. */
  static async open(redis: RedisClient, options: RedisTrendingOptions): Promise<RedisTrending> {
    const key = `${options.prefix}:trending`;
    const landmarkKey = `${key}:landmark`;
    const nowMs = options.nowMs ?? Date.now();
    const created = await redis.set(landmarkKey, String(nowMs), 'NX');
    if (created === 'OK' && options.baseline.length > 0) {
      const total = options.baseline.reduce((sum, e) => sum + e.score, 0) || 1;
      const args: (string | number)[] = [];
      for (const e of options.baseline) args.push((e.score / total) * TRENDING_BASELINE_EVENTS, e.itemId);
      await redis.zadd(key, ...args);
    }
    const landmark = Number(await redis.get(landmarkKey));
    return new RedisTrending(redis, key, Number.isFinite(landmark) ? landmark : nowMs);
  }

  async record(itemId: string, weight: number, atMs: number): Promise<void> {
    await this.redis.zincrby(this.key, weight * Math.pow(2, (atMs - this.landmarkMs) / TRENDING_HALF_LIFE_MS), itemId);
  }

  async top(n: number, nowMs: number = Date.now()): Promise<ScoredItemId[]> {
    if (n <= 0) return [];
    const flat = await this.redis.zrevrange(this.key, 0, n - 1, 'WITHSCORES');
    const scale = Math.pow(2, -(nowMs - this.landmarkMs) / TRENDING_HALF_LIFE_MS);
    const out: ScoredItemId[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ itemId: flat[i]!, score: Number(flat[i + 1]) * scale });
    return out;
  }
}

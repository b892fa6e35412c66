import type { RedisClient } from './redis-connection.ts';
import type { SessionState, SessionStore } from '../../ports/session-store.ts';

/** A session untouched this long is gone (its weight has halved 48 times by then). */
export const REDIS_SESSION_TTL_MS = 24 * 3600_000;
/** Compare-and-set attempts of one `update` before it gives up. */
export const REDIS_SESSION_UPDATE_ATTEMPTS = 16;

export interface RedisSessionStoreOptions {
  /** Keys are `<prefix>:session:<viewerKey>` (a hash). */
  readonly prefix: string;
  readonly ttlMs?: number;
}

// Writes the fields only if the stored version is still the one read ("" = no session).
const COMPARE_AND_SET = `
local cur = redis.call('HGET', KEYS[1], 'ver')
if cur == false then cur = '' end
if cur ~= ARGV[1] then return 0 end
local ver = 1
if ARGV[1] ~= '' then ver = tonumber(ARGV[1]) + 1 end
redis.call('HSET', KEYS[1], 'v', ARGV[3], 'w', ARGV[4], 'u', ARGV[5], 'n', ARGV[6], 'r', ARGV[7], 'ver', ver)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * Session store on Redis: one hash per viewer with the vector as little-endian Float32
 * bytes (`v`), weight `w`, updatedAt `u`, events `n`, recent item ids as JSON `r`, and a
 * version `ver`; every write refreshes the TTL. `update` is an optimistic read-modify-write:
 * read (with version), fold in JS, then a Lua compare-and-set that fails if another writer
 * got in between, and retry. `put` overwrites unconditionally.
 */
export class RedisSessionStore implements SessionStore {
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(private readonly redis: RedisClient, options: RedisSessionStoreOptions) {
    this.prefix = `${options.prefix}:session:`;
    this.ttlMs = options.ttlMs ?? REDIS_SESSION_TTL_MS;
  }

  key(viewerKey: string): string {
    return this.prefix + viewerKey;
  }

  async get(viewerKey: string): Promise<SessionState | null> {
    return (await this.read(viewerKey)).state;
  }

  async put(viewerKey: string, state: SessionState): Promise<void> {
    const key = this.key(viewerKey);
    const [v, w, u, n, r] = encode(state);
    const replies = await this.redis.multi().hset(key, 'v', v, 'w', w, 'u', u, 'n', n, 'r', r).hincrby(key, 'ver', 1).pexpire(key, this.ttlMs).exec();
    const failed = replies?.find(([error]) => error);
    if (!replies || failed) throw failed?.[0] ?? new Error('session write was aborted');
  }

  /** Atomic read-modify-write of one viewer's session (see the class comment). */
  async update(viewerKey: string, fold: (previous: SessionState | null) => SessionState): Promise<SessionState> {
    const key = this.key(viewerKey);
    for (let attempt = 0; attempt < REDIS_SESSION_UPDATE_ATTEMPTS; attempt++) {
      const { state, version } = await this.read(viewerKey);
      const next = fold(state);
      const written = await this.redis.eval(COMPARE_AND_SET, 1, key, version, this.ttlMs, ...encode(next));
      if (written === 1) return next;
    }
    throw new Error(`session ${viewerKey} kept changing under ${REDIS_SESSION_UPDATE_ATTEMPTS} update attempts`);
  }

  private async read(viewerKey: string): Promise<{ state: SessionState | null; version: string }> {
    const hash = await this.redis.hgetallBuffer(this.key(viewerKey));
    const v = hash.v;
    if (!v || !hash.w || !hash.u || !hash.n || !hash.r) return { state: null, version: hash.ver?.toString() ?? '' };
    const vector = new Float32Array(v.length / 4);
    for (let i = 0; i < vector.length; i++) vector[i] = v.readFloatLE(i * 4);
    const state: SessionState = {
      vector,
      weight: Number(hash.w.toString()),
      updatedAt: Number(hash.u.toString()),
      events: Number(hash.n.toString()),
      recentItemIds: JSON.parse(hash.r.toString()) as string[],
    };
    return { state, version: hash.ver?.toString() ?? '' };
  }
}

function encode(state: SessionState): [Buffer, string, string, string, string] {
  const v = Buffer.allocUnsafe(state.vector.length * 4);
  for (let i = 0; i < state.vector.length; i++) v.writeFloatLE(state.vector[i]!, i * 4);
  return [v, String(state.weight), String(state.updatedAt), String(state.events), JSON.stringify(state.recentItemIds)];
}

import { readFileSync } from 'node:fs';
import { multipartPayloads } from './multipart.ts';
import { TRIVIAL_FEED_ITEMS, TRIVIAL_FEED_QUERY, trivialFeedDocumentId } from './trivial-feed.ts';

/** One kind of request a scenario sends, and how to tell a good answer from a bad one. */
export interface Operation {
  /** What the report says each row runs. */
  readonly document: string;
  /** Answers come as multipart/mixed (@defer): first and last payload are timed apart. */
  readonly multipart: boolean;
  /** The i-th request's JSON body and headers (viewers and items vary with i where the operation asks). */
  request(i: number): { readonly body: string; readonly headers: Readonly<Record<string, string>> };
  /** null when the payloads are a good answer, else what is wrong. */
  check(payloads: readonly string[]): string | null;
  /** For a good answer, which model ranked it (or why it degraded): counted per run. */
  tag?(payloads: readonly string[]): string;
}

export const FEED_ITEMS = 20;

const MANIFEST = JSON.parse(readFileSync(new URL('../../persisted-queries/manifest.json', import.meta.url), 'utf8')) as Record<string, string>;

/** The request body's document member: the manifest's id, or (baseline) the document's text. */
function documentMember(name: string, freeText: boolean): string {
  const id = Object.keys(MANIFEST).find((key) => MANIFEST[key]!.startsWith(`query ${name}(`) || MANIFEST[key]!.startsWith(`mutation ${name}(`));
  if (!id) throw new Error(`${name} is not in persisted-queries/manifest.json`);
  return freeText ? `"query":${JSON.stringify(MANIFEST[id])}` : `"documentId":"${id}"`;
}

/**
 * Who asks: the same user every time (what a cache hit needs), users 1..n in a spread order,
 * or nobody (anonymous: the trending answer, the gateway's cheapest resolvers).
 */
export type Viewers = { readonly kind: 'one' } | { readonly kind: 'rotate'; readonly users: number } | { readonly kind: 'anonymous' };

function userOf(viewers: Viewers, i: number): string {
  if (viewers.kind === 'anonymous') throw new Error('an anonymous viewer has no user id');
  return viewers.kind === 'one' ? '1' : String(1 + ((i * 7919) % viewers.users));
}

function viewerHeaders(viewers: Viewers, i: number): Record<string, string> {
  return viewers.kind === 'anonymous' ? {} : { 'x-user-id': userOf(viewers, i) };
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const MULTIPART_HEADERS = { 'content-type': 'application/json', accept: 'multipart/mixed' } as const;

/**
 * The peers' free-text CoarseFeed-shaped query (the floor ignores the body and answers the same
 * bytes). `surface` is sent although it has a default: graphql-jit (Mercurius, jit: 1) does not
 * apply the default of a non-null variable and answers an error once the query is compiled.
 */
export function trivialFeed(): Operation {
  const body = JSON.stringify({ query: TRIVIAL_FEED_QUERY, variables: { surface: 'HOME', first: TRIVIAL_FEED_ITEMS } });
  return {
    document: 'trivial 20-item feed, free-text query (CoarseFeed shape)',
    multipart: false,
    request: () => ({ body, headers: JSON_HEADERS }),
    check: (payloads) => checkSingle(payloads, (data) => countItems(data, 'coarse', TRIVIAL_FEED_ITEMS)),
  };
}

/** The same query by its persisted id (our gateway serving the peers' workload), anonymous. */
export function trivialFeedPersisted(): Operation {
  const body = JSON.stringify({ documentId: trivialFeedDocumentId(), variables: { surface: 'HOME', first: TRIVIAL_FEED_ITEMS } });
  return {
    document: 'trivial 20-item feed, persisted documentId (CoarseFeed shape)',
    multipart: false,
    request: () => ({ body, headers: JSON_HEADERS }),
    check: (payloads) => checkSingle(payloads, (data) => countItems(data, 'coarse', TRIVIAL_FEED_ITEMS)),
  };
}

/** CoarseFeed: persisted (documentId) on our gateway, or its text as a free-text query on the baseline. */
export function coarseFeed(viewers: Viewers, freeText = false): Operation {
  const member = documentMember('CoarseFeed', freeText);
  const body = `{${member},"variables":{"first":${FEED_ITEMS}}}`;
  return {
    document: `CoarseFeed, ${freeText ? 'free-text query' : 'persisted documentId'}, first: ${FEED_ITEMS}`,
    multipart: false,
    request: (i) => ({ body, headers: { ...JSON_HEADERS, ...viewerHeaders(viewers, i) } }),
    check: (payloads) => checkSingle(payloads, (data) => countItems(data, 'coarse', FEED_ITEMS)),
  };
}

/** HomeFeed: coarse in the first payload, the @defer'd refined ranking in the last (one merged payload on a cache hit). */
export function homeFeed(viewers: Viewers, freeText = false): Operation {
  const member = documentMember('HomeFeed', freeText);
  const body = `{${member},"variables":{"first":${FEED_ITEMS}}}`;
  return {
    document: `HomeFeed (@defer, multipart/mixed), ${freeText ? 'free-text query' : 'persisted documentId'}, first: ${FEED_ITEMS}`,
    multipart: true,
    request: (i) => ({ body, headers: { ...MULTIPART_HEADERS, 'x-user-id': userOf(viewers, i) } }),
    check: checkHomeFeed,
    tag: refinedTag,
  };
}

/** RecordEvent: a CLICK by a rotating user on a rotating item (never against a cached gateway: it invalidates). */
export function recordEvent(users: number, items: number, freeText = false): Operation {
  const member = documentMember('RecordEvent', freeText);
  return {
    document: `RecordEvent mutation, ${freeText ? 'free-text query' : 'persisted documentId'}`,
    multipart: false,
    request: (i) => ({
      body: `{${member},"variables":{"input":{"itemId":"${1 + ((i * 31) % items)}","type":"CLICK"}}}`,
      headers: { ...JSON_HEADERS, 'x-user-id': userOf({ kind: 'rotate', users }, i) },
    }),
    check: (payloads) =>
      checkSingle(payloads, (data) => ((data as { recordEvent?: { accepted?: boolean } }).recordEvent?.accepted === true ? null : 'recordEvent not accepted')),
  };
}

/** A whole response body as payloads: multipart parts, or the one JSON document. */
export function payloadsOf(body: string, multipart: boolean): readonly string[] {
  return multipart && !body.startsWith('{') ? multipartPayloads(body) : [body];
}

type Data = Record<string, unknown>;

interface Parsed {
  readonly data?: Data;
  readonly errors?: unknown[];
  readonly incremental?: { readonly data?: Data }[];
}

function parse(payload: string): Parsed | null {
  try {
    return JSON.parse(payload) as Parsed;
  } catch {
    return null;
  }
}

function checkSingle(payloads: readonly string[], checkData: (data: Data) => string | null): string | null {
  if (payloads.length !== 1) return `expected 1 payload, got ${payloads.length}`;
  const result = parse(payloads[0]!);
  if (!result) return 'not JSON';
  if (result.errors?.length) return `errors: ${JSON.stringify(result.errors).slice(0, 200)}`;
  return result.data ? checkData(result.data) : 'no data';
}

function countItems(data: Data, ranking: 'coarse' | 'refined', expected: number): string | null {
  const items = (data.feed as Record<string, { items?: unknown[] }> | undefined)?.[ranking]?.items;
  return items?.length === expected ? null : `${ranking}: ${items?.length ?? 'no'} items, expected ${expected}`;
}

function checkHomeFeed(payloads: readonly string[]): string | null {
  const results = payloads.map(parse);
  if (results.length === 0 || results.some((r) => r === null)) return 'payload not JSON';
  const [first, ...rest] = results as [Parsed, ...Parsed[]];
  if (first.errors?.length || rest.some((r) => r.errors?.length)) return 'errors in a payload';
  const feed = first.data;
  if (!feed) return 'no data in the first payload';
  const coarse = countItems(feed, 'coarse', FEED_ITEMS);
  if (coarse) return coarse;
  // A cache hit answers the merged result in one payload; otherwise the refined ranking is a patch.
  const refined = rest.length === 0 ? feed : { feed: rest.flatMap((r) => r.incremental ?? []).find((p) => p.data?.refined)?.data ?? {} };
  return countItems(refined, 'refined', FEED_ITEMS);
}

function refinedTag(payloads: readonly string[]): string {
  const refined = (
    payloads.length === 1
      ? (parse(payloads[0]!)?.data?.feed as Data | undefined)?.refined
      : payloads.slice(1).map(parse).flatMap((r) => r?.incremental ?? []).find((p) => p.data?.refined)?.data?.refined
  ) as { model?: string | null; degraded?: boolean; degradedReason?: string | null } | undefined;
  if (!refined) return 'none';
  return refined.degraded ? `degraded ${refined.degradedReason ?? ''}`.trim() : (refined.model ?? 'no model');
}

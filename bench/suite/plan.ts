import { gatewayNodeFlags } from './gateway-node-flags.ts';
import { coarseFeed, homeFeed, recordEvent, trivialFeed, trivialFeedPersisted, type Operation } from './operations.ts';

/** The two tables of the report. */
export type Section = 'overhead' | 'job';

/** One server process under test (plus an inference server beside it when `remote`). */
export interface ServerSpec {
  readonly id: string;
  /** Entry file, run with `node <nodeFlags> --import tsx`. */
  readonly entry: string;
  /** Node/V8 flags: the gateway's are `npm start`'s; the peers run with none. */
  readonly nodeFlags: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly remote: boolean;
  /** Serves the synthetic catalog (which is then built first if missing). */
  readonly usesCatalog: boolean;
}

export interface Scenario {
  /** What --only matches. */
  readonly id: string;
  readonly label: string;
  readonly sections: readonly Section[];
  readonly server: ServerSpec;
  readonly operation: Operation;
  /** The latency targets apply (HomeFeed of the personalization job). */
  readonly targeted: boolean;
}

export interface Catalog {
  readonly dir: string;
  readonly items: number;
  readonly users: number;
}

const PRODUCTION = { NODE_ENV: 'production' } as const;

function peer(id: string, entry: string): ServerSpec {
  return { id, entry: `bench/suite/servers/${entry}`, nodeFlags: [], env: PRODUCTION, remote: false, usesCatalog: false };
}

function gateway(id: string, catalog: Catalog, cached: boolean, remote: boolean): ServerSpec {
  return {
    id,
    entry: 'src/main.ts',
    nodeFlags: gatewayNodeFlags(),
    env: { ...PRODUCTION, ARTIFACTS_DIR: catalog.dir, PORT: '0', HOST: '127.0.0.1', IDENTITY: 'headers', RESPONSE_CACHE: String(cached) },
    remote,
    usesCatalog: true,
  };
}

/**
 * Every scenario, grouped by server in run order. Within a server RecordEvent runs last (it
 * writes sessions); cached scenarios ask as one viewer, uncached ones rotate through the users.
 */
export function plan(catalog: Catalog): Scenario[] {
  const rotate = { kind: 'rotate', users: catalog.users } as const;
  const one = { kind: 'one' } as const;
  const local = gateway('gateway-local', catalog, false, false);
  const localCached = gateway('gateway-local-cached', catalog, true, false);
  const remote = gateway('gateway-remote', catalog, false, true);
  const remoteCached = gateway('gateway-remote-cached', catalog, true, true);
  const baseline = { ...gateway('baseline-yoga', catalog, false, false), entry: 'bench/suite/servers/baseline-yoga.ts' };
  const overhead = ['overhead'] as const;
  const job = ['job'] as const;
  const s = (id: string, label: string, sections: readonly Section[], server: ServerSpec, operation: Operation, targeted = false): Scenario => ({
    id,
    label,
    sections,
    server,
    operation,
    targeted,
  });
  return [
    s('overhead/node-http', 'node:http, same bytes (floor)', overhead, peer('node-http', 'bare-http.ts'), trivialFeed()),
    s('overhead/node-http-homefeed', 'node:http, HomeFeed-hit bytes (floor for HomeFeed hits)', overhead, { ...peer('node-http-homefeed', 'bare-http.ts'), env: { ...PRODUCTION, FLOOR_BODY: 'homefeed-hit' } }, homeFeed(one)),
    s('overhead/yoga', 'GraphQL Yoga 5', overhead, peer('yoga', 'plain-yoga.ts'), trivialFeed()),
    s('overhead/apollo', 'Apollo Server 5 (standalone)', overhead, peer('apollo', 'apollo.ts'), trivialFeed()),
    s('overhead/mercurius-jit', 'Mercurius 16 + graphql-jit', overhead, peer('mercurius', 'mercurius-jit.ts'), trivialFeed()),
    s('overhead/gateway-trivial', 'our gateway, uncached, on the same trivial resolvers', overhead, { ...gateway('gateway-trivial', catalog, false, false), entry: 'bench/suite/servers/gateway-trivial.ts' }, trivialFeedPersisted()),
    s('job/local/homefeed-uncached', 'HomeFeed uncached, in-process ranker', job, local, homeFeed(rotate), true),
    s('job/local/coarsefeed', 'CoarseFeed uncached (gateway, persisted)', [...overhead, ...job], local, coarseFeed(rotate)),
    s('job/local/recordevent', 'RecordEvent', job, local, recordEvent(catalog.users, catalog.items)),
    s('overhead/gateway-anonymous', 'CoarseFeed uncached, anonymous: trending (gateway, persisted)', overhead, local, coarseFeed({ kind: 'anonymous' })),
    s('overhead/gateway-cached', 'CoarseFeed cached, one viewer (gateway, persisted)', overhead, localCached, coarseFeed(one)),
    s('job/local/homefeed-cached', 'HomeFeed cached, one viewer, in-process ranker', job, localCached, homeFeed(one), true),
    s('job/remote/homefeed-uncached', 'HomeFeed uncached, remote inference server', job, remote, homeFeed(rotate), true),
    s('job/remote/coarsefeed', 'CoarseFeed uncached, remote configured', job, remote, coarseFeed(rotate)),
    s('job/remote/recordevent', 'RecordEvent, remote configured', job, remote, recordEvent(catalog.users, catalog.items)),
    s('job/remote/homefeed-cached', 'HomeFeed cached, one viewer, remote inference server', job, remoteCached, homeFeed(one), true),
    s('job/baseline/homefeed', 'Baseline: HomeFeed on plain Yoga, free text', job, baseline, homeFeed(rotate, true)),
    s('job/baseline/coarsefeed', 'Baseline: CoarseFeed on plain Yoga, free text', job, baseline, coarseFeed(rotate, true)),
    s('job/baseline/recordevent', 'Baseline: RecordEvent on plain Yoga, free text', job, baseline, recordEvent(catalog.users, catalog.items, true)),
  ];
}

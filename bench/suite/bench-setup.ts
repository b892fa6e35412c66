import { artifactsDirFor, ensureArtifacts } from './artifacts-cache.ts';
import type { ChildServer } from './child-server.ts';
import { pinLoadGenerator, type Pinning } from './pinning.ts';
import { plan, type Catalog, type Scenario, type ServerSpec } from './plan.ts';

/** Users of the synthetic catalog (its generator's default). */
const CATALOG_USERS = 10_000;

/** Where a bench that starts the suite's servers itself begins. */
export interface BenchSetup {
  readonly pinning: Pinning;
  readonly catalog: Catalog;
  /** The suite's scenario with this id (throws when there is none). */
  scenario(id: string): Scenario;
}

/** The synthetic catalog of `items` items the suite builds (bench/.artifacts-<items>). */
export function catalogFor(items: number): Catalog {
  return { dir: artifactsDirFor(items), items, users: CATALOG_USERS };
}

/** Pins this process to the load core (the note goes to `log`), builds or reuses the catalog, and plans its scenarios. */
export async function benchSetup(items: number, log: (line: string) => void): Promise<BenchSetup> {
  const pinning = pinLoadGenerator();
  log(pinning.note);
  const catalog = catalogFor(items);
  await ensureArtifacts(items, catalog.users, log);
  return setupFor(pinning, catalog);
}

/** The setup of a bench that has pinned itself and built its catalog already (npm run bench). */
export function setupFor(pinning: Pinning, catalog: Catalog): BenchSetup {
  const scenarios = new Map(plan(catalog).map((s) => [s.id, s]));
  return {
    pinning,
    catalog,
    scenario(id) {
      const found = scenarios.get(id);
      if (!found) throw new Error(`no scenario ${id}`);
      return found;
    },
  };
}

/** The command line of a suite server, pinned to the server core. */
export function serverCommand(pinning: Pinning, server: ServerSpec): string[] {
  return [...pinning.serverPrefix, process.execPath, ...server.nodeFlags, '--import', 'tsx', server.entry];
}

/** A started gateway's GraphQL endpoint, on 127.0.0.1 (the generators do not resolve names). */
export function graphqlUrlOf(server: ChildServer): string {
  return `${server.address.replace('//localhost', '//127.0.0.1')}/graphql`;
}

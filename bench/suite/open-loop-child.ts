/**
 * One process of a spread open loop (`spread-open-loop.ts`): finds its scenario's operation
 * in the plan, waits for the shared start time, runs its share of the rate, prints every
 * sample as JSON.
 */
import type { Target } from './http-client.ts';
import { openLoopSamples } from './open-loop.ts';
import { plan, type Catalog } from './plan.ts';

interface ChildArgs {
  readonly target: Target;
  readonly scenario: string;
  readonly catalog: Catalog;
  readonly rate: number;
  readonly seconds: number;
  readonly drainMs: number;
  readonly maxSockets: number;
  readonly firstIndex: number;
  /** Date.now() at which every process starts sending. */
  readonly startAt: number;
}

const args = JSON.parse(process.argv[2]!) as ChildArgs;
const scenario = plan(args.catalog).find((s) => s.id === args.scenario);
if (!scenario) throw new Error(`no scenario ${args.scenario}`);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, args.startAt - Date.now())));
const samples = await openLoopSamples(args.target, scenario.operation, args.rate, args.seconds, args.drainMs, args.maxSockets, args.firstIndex);
process.stdout.write(`${JSON.stringify(samples)}\n`);

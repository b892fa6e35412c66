/**
 * One load process of a spread loop (`spread-closed-loop.ts`, `spread-open-loop.ts`): finds its
 * scenario's operation in the plan, waits for the shared start time, runs its share, and prints
 * the result as JSON (the closed loop's figures, or the open loop's every sample).
 */
import { closedLoop } from './closed-loop.ts';
import type { Target } from './http-client.ts';
import { openLoopSamples } from './open-loop.ts';
import { plan, type Catalog } from './plan.ts';

interface Common {
  readonly scenario: string;
  readonly catalog: Catalog;
  readonly seconds: number;
  /** The first request index of this process (operations vary users by index). */
  readonly firstIndex: number;
  /** Date.now() at which every process starts sending. */
  readonly startAt: number;
}

export type LoadChildArgs =
  | (Common & { readonly kind: 'closed'; readonly url: string; readonly connections: number })
  | (Common & { readonly kind: 'open'; readonly target: Target; readonly rate: number; readonly drainMs: number; readonly maxSockets: number });

const args = JSON.parse(process.argv[2]!) as LoadChildArgs;
const scenario = plan(args.catalog).find((s) => s.id === args.scenario);
if (!scenario) throw new Error(`no scenario ${args.scenario}`);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, args.startAt - Date.now())));
const result =
  args.kind === 'closed'
    ? await closedLoop(args.url, scenario.operation, args.connections, args.seconds, args.firstIndex)
    : await openLoopSamples(args.target, scenario.operation, args.rate, args.seconds, args.drainMs, args.maxSockets, args.firstIndex);
process.stdout.write(`${JSON.stringify(result)}\n`);

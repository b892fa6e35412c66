/**
 * One process of a spread closed loop (`spread-closed-loop.ts`): finds its scenario's
 * operation in the plan, waits for the shared start time, runs, and prints its result as JSON.
 */
import { closedLoop } from './closed-loop.ts';
import { plan, type Catalog } from './plan.ts';

interface ChildArgs {
  readonly url: string;
  readonly scenario: string;
  readonly catalog: Catalog;
  readonly connections: number;
  readonly seconds: number;
  readonly firstIndex: number;
  /** Date.now() at which every process starts sending. */
  readonly startAt: number;
}

const args = JSON.parse(process.argv[2]!) as ChildArgs;
const scenario = plan(args.catalog).find((s) => s.id === args.scenario);
if (!scenario) throw new Error(`no scenario ${args.scenario}`);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, args.startAt - Date.now())));
const result = await closedLoop(args.url, scenario.operation, args.connections, args.seconds, args.firstIndex);
process.stdout.write(`${JSON.stringify(result)}\n`);

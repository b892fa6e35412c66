import { startChildServer, type ChildServer } from './child-server.ts';
import { closedLoop } from './closed-loop.ts';
import { spreadClosedLoop } from './spread-closed-loop.ts';
import { openLoopBy, type LoadGenerator } from './load-generator.ts';
import { keepAliveAgent, send, targetOf, verdict } from './http-client.ts';
import type { Mode } from './modes.ts';
import type { Pinning } from './pinning.ts';
import type { Catalog, Scenario, ServerSpec } from './plan.ts';
import { openLoop } from './open-loop.ts';
import { rateSweep, type SustainRule } from './rate-sweep.ts';
import type { ScenarioResult } from './results.ts';

export interface MeasureOptions {
  readonly mode: Mode;
  readonly pinning: Pinning;
  /** The catalog the plan was made for (spread load processes rebuild the plan from it). */
  readonly catalog: Catalog;
  readonly concurrency: number;
  readonly rule: SustainRule;
  /** The model repository for the inference server of remote scenarios. */
  readonly models: string;
  /** What times the open loops (the sweep and the latency run). */
  readonly generator: LoadGenerator;
  readonly log: (line: string) => void;
}

const GENERATOR_WARMUP_RPS = 50;

const node = (entry: string, args: readonly string[] = [], flags: readonly string[] = []): string[] => [process.execPath, ...flags, '--import', 'tsx', entry, ...args];

/**
 * One server's scenarios: start it (and its inference server) pinned, check one answer of each
 * scenario, warm up, then per scenario the closed loop, the rate sweep and the run at half the
 * sustained rate; peak RSS at the end.
 */
export async function measureServer(spec: ServerSpec, scenarios: readonly Scenario[], options: MeasureOptions): Promise<ScenarioResult[]> {
  const { mode, pinning, log } = options;
  const started: ChildServer[] = [];
  try {
    let env = spec.env;
    let inference: ChildServer | null = null;
    if (spec.remote) {
      inference = await startChildServer({
        name: 'inference server',
        command: [...pinning.serverPrefix, ...node('src/inference-server/main.ts', ['--models', options.models, '--port', '0', '--provider', 'cpu', '--model', 'ranker-heavy'])],
        env: { NODE_ENV: 'production' },
        ready: /inference server listening on (\S+)/,
      });
      started.push(inference);
      env = { ...env, INFERENCE_ENDPOINTS: inference.address };
    }
    const server = await startChildServer({
      name: spec.id,
      command: [...pinning.serverPrefix, ...node(spec.entry, [], spec.nodeFlags)],
      env,
      ready: /listening on (http:\/\/\S+?)\/graphql/,
    });
    started.push(server);
    const url = `${server.address.replace('//localhost', '//127.0.0.1')}/graphql`;
    const target = targetOf(url);
    log(`${spec.id}: pid ${server.pid} on ${url}${inference ? `, inference server pid ${inference.pid} on ${inference.address}` : ''}`);

    const agent = keepAliveAgent(1);
    for (const scenario of scenarios) {
      const problem = verdict(scenario.operation, await send(target, agent, scenario.operation, 0, performance.now()));
      if (problem) throw new Error(`${scenario.id}: bad answer before measuring: ${problem}`);
    }
    agent.destroy();
    const warmEach = Math.max(1, Math.ceil(mode.warmupS / scenarios.length));
    for (const scenario of scenarios) {
      const warm = await closedLoop(url, scenario.operation, options.concurrency, warmEach);
      if (warm.bad > 0) throw new Error(`${scenario.id}: ${warm.bad} bad answers during the warm-up`);
      // The open-loop client's own code paths get warm too, at a rate any server here sustains.
      await openLoop(target, scenario.operation, GENERATOR_WARMUP_RPS, 1, mode.drainMs);
    }

    const results: Omit<ScenarioResult, 'peakRssMiB' | 'inferencePeakRssMiB'>[] = [];
    for (const scenario of scenarios) {
      log(`${scenario.id}: ${scenario.operation.document}`);
      // Spread over the load cores where there are several, so the generator is not the limit.
      const { serverBusyPercent, ...closed } = await spreadClosedLoop(url, scenario, options.catalog, options.concurrency, mode.closedLoopS, pinning.loadCores, server.pid);
      log(`  closed loop, ${options.concurrency} connections: ${closed.rps.toFixed(0)} req/s (server busy ${serverBusyPercent.toFixed(0)}%), bad ${closed.bad}`);
      const sweep = await rateSweep(target, scenario.operation, closed.rps, { stepS: mode.sweepStepS, measureS: mode.measureS, drainMs: mode.drainMs }, options.rule, log, (rate, seconds) =>
        openLoopBy(options.generator, target, scenario, options.catalog, rate, seconds, mode.drainMs, 512, pinning.loadCores),
      );
      results.push({
        id: scenario.id,
        label: scenario.label,
        sections: scenario.sections,
        server: spec.id,
        document: scenario.operation.document,
        targeted: scenario.targeted,
        closed,
        closedBusyPercent: serverBusyPercent,
        maxSustainedRps: sweep.maxSustainedRps,
        sweep: sweep.steps,
        atHalf: sweep.atHalf,
      });
    }
    const peakRssMiB = server.peakRssMiB();
    const inferencePeak = inference?.peakRssMiB();
    return results.map((r) => ({ ...r, peakRssMiB, ...(inferencePeak !== undefined ? { inferencePeakRssMiB: inferencePeak } : {}) }));
  } finally {
    for (const child of started.reverse()) await child.stop();
  }
}

/**
 * What a full garbage collection costs once the gateway has started: the live heap and the
 * time of full collections (median of 7), with the embedded services over an artifacts folder.
 *
 *   ARTIFACTS_DIR=bench/.artifacts-100k npm run bench:heap       (pin it: taskset -c 0 npm run bench:heap)
 *
 * A full collection marks every live object, so this is the floor of the stall a major GC
 * puts on a gateway that has one core (see README "Garbage collection").
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createEmbeddedServices, startLocalRanker } from '../src/adapters/embedded-services.ts';
import { loadConfig } from '../src/config.ts';
import { startGateway } from '../src/gateway/gateway.ts';
import { loadArtifacts } from '../src/offline/artifacts.ts';
import { settleHeap } from '../src/runtime/settle-heap.ts';

const COLLECTIONS = 7;

// In a function: nothing of the start stays reachable but what the gateway keeps.
async function start() {
  const config = loadConfig();
  const artifacts = await loadArtifacts(config.artifactsDir);
  const services = await createEmbeddedServices(artifacts, config, await startLocalRanker(artifacts, config), null);
  return { gateway: await startGateway(config, services, {}), items: artifacts.manifest.itemCount };
}

const { gateway, items } = await start();
settleHeap();
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const times: number[] = [];
for (let i = 0; i < COLLECTIONS; i++) {
  const started = performance.now();
  gc();
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
process.stdout.write(
  `${items} items: live heap ${heapMiB.toFixed(1)} MiB after start; full collection median ${times[COLLECTIONS >> 1]!.toFixed(1)} ms ` +
    `(min ${times[0]!.toFixed(1)}, max ${times.at(-1)!.toFixed(1)}) over ${COLLECTIONS}\n`,
);
await gateway.close();
process.exit(0);

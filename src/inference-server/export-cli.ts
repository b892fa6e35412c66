import { parseArgs } from 'node:util';
import { exportModelRepository } from './export-model-repository.ts';

// npm run export:models -- --artifacts <dir> --out <repo> [--version 1]
const { values } = parseArgs({
  options: {
    artifacts: { type: 'string', default: 'artifacts' },
    out: { type: 'string', default: 'model-repository' },
    version: { type: 'string', default: '1' },
  },
});

try {
  const models = await exportModelRepository({ artifactsDir: values.artifacts, outDir: values.out, version: values.version });
  for (const model of models) console.log(`${model.name} ${model.version} -> ${model.path}`);
} catch (error) {
  console.error(`export failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The held-out split an artifacts folder was built with, saved beside it so `npm run eval`
 * measures exactly what the build held out. Item and user ids, not rows.
 */
export const EVALUATION_FILE = 'evaluation.json';

export interface EvaluationUser {
  readonly userId: string;
  /** Held-out positives: what a good ranking puts first. */
  readonly heldOut: readonly string[];
  /** Everything the user touched in training: never recommended back. */
  readonly seen: readonly string[];
  /** The user's last few training positives, oldest first: stands in for a live session. */
  readonly session: readonly string[];
}

export interface EvaluationSet {
  readonly split: string;
  readonly positiveThreshold: number;
  readonly users: readonly EvaluationUser[];
}

export async function writeEvaluationSet(dir: string, set: EvaluationSet): Promise<void> {
  await writeFile(join(dir, EVALUATION_FILE), JSON.stringify(set));
}

export async function readEvaluationSet(dir: string): Promise<EvaluationSet> {
  const path = join(dir, EVALUATION_FILE);
  if (!existsSync(path)) throw new Error(`${path} is missing: this artifacts folder was built without a held-out split`);
  return JSON.parse(await readFile(path, 'utf8')) as EvaluationSet;
}

import { readFileSync } from 'node:fs';

/**
 * The Node/V8 flags `npm start` runs the gateway with (package.json's "start" script, the one
 * place they are chosen): every bench starts gateways with them, so what is measured is what
 * production runs.
 */
export function gatewayNodeFlags(): readonly string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  return startScriptFlags(pkg.scripts.start ?? '');
}

/** `node <flags> --import tsx src/main.ts` -> the flags before `--import`. */
export function startScriptFlags(script: string): readonly string[] {
  const words = script.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`the start script does not run node: ${script}`);
  const end = words.indexOf('--import');
  return words.slice(1, end < 0 ? words.length : end);
}

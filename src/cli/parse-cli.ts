import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

type Values<T extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>>['values'];

/**
 * Parses a command's flags the way every CLI here does: strict, no positionals, `-h/--help`
 * prints `usage`. Returns the values, or the exit code when the command should stop (0 after
 * help, 2 after a bad flag, with the message and usage on stderr).
 */
export function parseCli<const T extends ParseArgsOptionsConfig>(
  argv: string[],
  options: T,
  usage: string,
): { values: Values<T>; exitCode?: undefined } | { exitCode: number; values?: undefined } {
  let values: Values<T>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}`);
    return { exitCode: 2 };
  }
  if ((values as Record<string, unknown>).help) {
    process.stdout.write(usage);
    return { exitCode: 0 };
  }
  return { values };
}

/** The `--name N` options of the scripts (soak, drill): a positive number, or the fallback when absent. */
export function numberOption(name: string, fallback: number, argv: readonly string[] = process.argv): number {
  const i = argv.indexOf(name);
  if (i === -1) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
  return n;
}

/** The `--name VALUE` options of the scripts: the text given, or undefined when absent. */
export function textOption(name: string, argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf(name);
  if (i === -1) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

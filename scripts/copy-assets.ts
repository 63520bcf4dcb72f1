/**
 * The second half of `npm run build`: tsc emits only JavaScript, but modules under src/ read files that sit next to
 * them at run time (the example IVR flows in src/ivr/examples/*.json, found through __dirname). This copies every
 * file under src/ that is not TypeScript to the same place under dist/src/, so `node dist/src/main.js` (the Docker
 * image) finds them as `npm start` does.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Copies the non-TypeScript files of `srcDir` (recursively) into `outDir`; returns their paths relative to srcDir. */
export function copyAssets(srcDir: string, outDir: string): string[] {
  const copied: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(srcDir, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && !entry.name.endsWith('.ts')) {
        fs.mkdirSync(path.join(outDir, rel), { recursive: true });
        fs.copyFileSync(path.join(srcDir, child), path.join(outDir, child));
        copied.push(child);
      }
    }
  };
  walk('');
  return copied.sort();
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const copied = copyAssets(path.join(root, 'src'), path.join(root, 'dist', 'src'));
  process.stdout.write(`copied ${copied.length} asset file(s) to dist/src: ${copied.join(', ')}\n`);
}

import fs from 'node:fs';
import path from 'node:path';

/**
 * The folder of Switchboard's package.json: where the shipped folders (sounds/, dialplans/, web/dist) are, whether
 * the code runs from src/ (tsx) or from dist/src/ (the build).
 */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** A shipped folder of the package, e.g. `shippedPath('sounds', 'switchboard')`. */
export function shippedPath(...segments: string[]): string {
  return path.join(packageRoot(), ...segments);
}

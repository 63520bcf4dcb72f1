/**
 * Once before any test file: build the web console when its sources changed, so the browser test files (two jest
 * workers) find it built instead of racing to build it into the same folder.
 */
import { buildConsole } from '../src/api/console-build';

export default async function globalSetup(): Promise<void> {
  await buildConsole();
}

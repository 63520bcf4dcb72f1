/**
 * `npm run docs:screenshots`: runs the browser tests (which write test-output/screenshots/) and copies the pages the
 * README shows into docs/screenshots/, to be committed when the console's look changes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const FROM = path.join(ROOT, 'test-output', 'screenshots');
const TO = path.join(ROOT, 'docs', 'screenshots');
/** The README's pictures: the three desktops and the agent desktop on a phone. */
const SHOWN = ['agent-desktop', 'agent-desktop-phone', 'supervisor-wallboard', 'admin-flows'];

if (!process.argv.includes('--copy-only')) {
  const run = spawnSync('npx', ['jest', 'test/console'], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
fs.mkdirSync(TO, { recursive: true });
for (const name of SHOWN) {
  const src = path.join(FROM, `${name}.png`);
  if (!fs.existsSync(src)) {
    process.stderr.write(`missing ${src}: no browser test wrote it\n`);
    process.exitCode = 1;
    continue;
  }
  fs.copyFileSync(src, path.join(TO, `${name}.png`));
  process.stderr.write(`docs/screenshots/${name}.png\n`);
}

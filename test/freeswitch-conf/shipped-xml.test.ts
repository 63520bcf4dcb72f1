/**
 * The FreeSWITCH configuration this repository ships must start a stock FreeSWITCH 1.10. Real FreeSWITCH refused to
 * start with the old vars.switchboard.xml: its header comment quoted the include line, the pre-processor (which
 * ignores comments) included the file in itself until "Maximum recursion limit reached", then "Cannot Initialize".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { preprocessFile, preprocessLinesInComments } from '../../src/simulator/xml-preprocess';

const ROOT = path.resolve(__dirname, '../..');

function shippedXml(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.xml')) out.push(p);
    }
  };
  for (const d of ['freeswitch-conf', 'dialplans', 'docker']) if (fs.existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  return out;
}

/** A conf folder laid out as a vanilla install: vars.xml ending with the include line the README gives. */
function confWith(varsSwitchboard: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-fsconf-'));
  fs.writeFileSync(
    path.join(dir, 'vars.xml'),
    '<include>\n  <X-PRE-PROCESS cmd="set" data="domain=$${local_ip_v4}"/>\n  <X-PRE-PROCESS cmd="include" data="vars.switchboard.xml"/>\n</include>\n',
  );
  fs.writeFileSync(path.join(dir, 'vars.switchboard.xml'), varsSwitchboard);
  return path.join(dir, 'vars.xml');
}

describe('shipped FreeSWITCH XML', () => {
  it('no shipped XML file has a pre-processor line inside a comment', () => {
    const files = shippedXml();
    expect(files.length).toBeGreaterThanOrEqual(5);
    const offenders = files.flatMap((f) => preprocessLinesInComments(fs.readFileSync(f, 'utf8')).map((line) => `${path.relative(ROOT, f)}:${line}`));
    expect(offenders).toEqual([]);
  });

  it('vars.xml including the shipped vars.switchboard.xml pre-processes cleanly and sets its variables', () => {
    const r = preprocessFile(confWith(fs.readFileSync(path.join(ROOT, 'freeswitch-conf/vars.switchboard.xml'), 'utf8')));
    expect(r.errors).toEqual([]);
    expect(r.vars.get('switchboard_esl_password')).toBeDefined();
    expect(r.vars.get('disable_system_app_commands')).toBe('true');
    // FreeSWITCH 1.10 has no such setting: shipping it would claim a protection that does not exist.
    expect(r.vars.has('disable_system_api_commands')).toBe(false);
  });

  it('the old header (the include line quoted in a comment) recurses until FreeSWITCH gives up', () => {
    const old = '<!--\n  Include it from the end of vars.xml:\n    <X-PRE-PROCESS cmd="include" data="vars.switchboard.xml"/>\n-->\n<include/>\n';
    expect(preprocessLinesInComments(old)).toEqual([3]);
    const r = preprocessFile(confWith(old));
    expect(r.errors).toEqual(['Error including vars.switchboard.xml (Maximum recursion limit reached)']);
  });
});

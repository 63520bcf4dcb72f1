/**
 * npm run fs:install on a conf folder laid out like a FreeSWITCH 1.10 vanilla install: dry run by default, a diff of
 * every change, backups on --apply, nothing unrelated touched, a second run changes nothing, and the result starts
 * (the pre-processor model finds no include loop).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { preprocessFile } from '../../src/simulator/xml-preprocess';

const ROOT = path.resolve(__dirname, '../..');

/** The parts of the vanilla files the installer edits, as they ship in FreeSWITCH 1.10. */
function vanillaConf(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-fsinstall-'));
  const w = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  w('freeswitch.xml', '<?xml version="1.0"?>\n<document type="freeswitch/xml">\n  <X-PRE-PROCESS cmd="include" data="vars.xml"/>\n</document>\n');
  w('vars.xml', '<include>\n  <X-PRE-PROCESS cmd="set" data="default_password=1234"/>\n  <X-PRE-PROCESS cmd="set" data="domain=$${local_ip_v4}"/>\n</include>\n');
  w(
    'autoload_configs/switch.conf.xml',
    '<configuration name="switch.conf" description="Core Configuration">\n  <settings>\n    <param name="colorize-console" value="true"/>\n    <!--<param name="api-expansion" value="false"/>-->\n    <param name="max-sessions" value="1000"/>\n  </settings>\n</configuration>\n',
  );
  w('autoload_configs/event_socket.conf.xml', '<configuration name="event_socket.conf" description="Socket Client">\n  <settings>\n    <param name="listen-ip" value="::"/>\n    <param name="password" value="ClueCon"/>\n  </settings>\n</configuration>\n');
  w('autoload_configs/modules.conf.xml', '<configuration name="modules.conf" description="Modules">\n  <modules>\n    <load module="mod_sofia"/>\n    <!-- <load module="mod_xml_curl"/> -->\n    <load module="mod_avmd"/>\n  </modules>\n</configuration>\n');
  w('dialplan/public.xml', '<include>\n  <context name="public">\n    <X-PRE-PROCESS cmd="include" data="public/*.xml"/>\n  </context>\n</include>\n');
  w('sip_profiles/internal.xml', '<profile name="internal"/>\n');
  return dir;
}

const run = (conf: string, ...args: string[]): string =>
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/fs-install.ts'), '--conf', conf, ...args], { cwd: ROOT, encoding: 'utf8' });

describe('npm run fs:install', () => {
  it('dry run shows the diff and writes nothing; --apply writes with backups; a second run changes nothing', () => {
    const conf = vanillaConf();
    const before = fs.readFileSync(path.join(conf, 'vars.xml'), 'utf8');
    const dry = run(conf, '--xml-curl');
    expect(dry).toContain('+++ b/vars.xml');
    expect(dry).toContain('+  <X-PRE-PROCESS cmd="include" data="vars.switchboard.xml"/>');
    expect(dry).toContain('+    <param name="api-expansion" value="false"/>');
    expect(dry).toContain('+    <load module="mod_xml_curl"/>');
    expect(dry).toMatch(/would change/);
    expect(fs.readFileSync(path.join(conf, 'vars.xml'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(conf, 'vars.switchboard.xml'))).toBe(false);

    const applied = run(conf, '--xml-curl', '--apply');
    expect(applied).toContain('wrote vars.xml (backup vars.xml.switchboard-bak-');
    const names = fs.readdirSync(conf);
    expect(names.filter((n) => n.startsWith('vars.xml.switchboard-bak-'))).toHaveLength(1);
    expect(fs.readFileSync(path.join(conf, 'dialplan/public/00_switchboard.xml'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'dialplans/public/00_switchboard.xml'), 'utf8'));
    const sw = fs.readFileSync(path.join(conf, 'autoload_configs/switch.conf.xml'), 'utf8');
    expect(sw).toContain('<param name="api-expansion" value="false"/>');
    expect(sw).toContain('<param name="max-sessions" value="1000"/>');
    const mods = fs.readFileSync(path.join(conf, 'autoload_configs/modules.conf.xml'), 'utf8');
    expect(mods.match(/mod_xml_curl/g)).toHaveLength(1);
    expect(mods).toContain('<load module="mod_xml_curl"/>');
    // Untouched.
    expect(fs.readFileSync(path.join(conf, 'sip_profiles/internal.xml'), 'utf8')).toBe('<profile name="internal"/>\n');

    // The result pre-processes like FreeSWITCH's start-up, with no include loop.
    const pre = preprocessFile(path.join(conf, 'freeswitch.xml'));
    expect(pre.errors).toEqual([]);
    expect(pre.vars.get('switchboard_esl_password')).toBeDefined();

    expect(run(conf, '--xml-curl', '--apply')).toContain('nothing to change');
  }, 60_000);

  it('keeps an existing vars.switchboard.xml (the admin put their password there) and an existing api-expansion line', () => {
    const conf = vanillaConf();
    fs.writeFileSync(path.join(conf, 'vars.switchboard.xml'), '<include>\n  <X-PRE-PROCESS cmd="set" data="switchboard_esl_password=mine"/>\n</include>\n');
    const out = run(conf, '--apply');
    expect(out).toContain('note: vars.switchboard.xml exists: kept');
    expect(fs.readFileSync(path.join(conf, 'vars.switchboard.xml'), 'utf8')).toContain('=mine');
  }, 60_000);

  it('refuses a folder that is not a FreeSWITCH conf folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-notconf-'));
    expect(() => run(dir)).toThrow();
  }, 60_000);
});

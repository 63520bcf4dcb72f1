/**
 * npm run fs:install -- --conf /etc/freeswitch [--apply] [--xml-curl] [--amd]
 *
 * Installs Switchboard's FreeSWITCH configuration (src/freeswitch/install/plan.ts says exactly what). Without
 * --apply it only prints the unified diff of every change. With --apply each file it replaces is first copied to
 * `<file>.switchboard-bak-<UTC timestamp>`. A second run changes nothing. Exit code 1 on bad arguments or a conf
 * folder that does not look like FreeSWITCH's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { diffText } from '../src/dialplan/line-diff';
import { planInstall, planProblems, type ShippedFiles } from '../src/freeswitch/install/plan';

const ROOT = path.resolve(__dirname, '..');

function main(): number {
  const { values } = parseArgs({
    options: {
      conf: { type: 'string' },
      apply: { type: 'boolean', default: false },
      'xml-curl': { type: 'boolean', default: false },
      amd: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.conf) {
    process.stderr.write('usage: npm run fs:install -- --conf /etc/freeswitch [--apply] [--xml-curl] [--amd]\n');
    return values.help ? 0 : 1;
  }
  const conf = path.resolve(values.conf);
  if (!fs.existsSync(path.join(conf, 'freeswitch.xml'))) {
    process.stderr.write(`${conf} has no freeswitch.xml: give FreeSWITCH's conf folder (e.g. /etc/freeswitch)\n`);
    return 1;
  }
  const shipped = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');
  const files: ShippedFiles = {
    eventSocket: shipped('freeswitch-conf/autoload_configs/event_socket.conf.xml'),
    varsSwitchboard: shipped('freeswitch-conf/vars.switchboard.xml'),
    dialplan: shipped('dialplans/public/00_switchboard.xml'),
    xmlCurl: shipped('freeswitch-conf/autoload_configs/xml_curl.conf.xml'),
    amd: shipped('freeswitch-conf/autoload_configs/amd.conf.xml'),
  };
  const read = (rel: string): string | null => {
    try {
      return fs.readFileSync(path.join(conf, rel), 'utf8');
    } catch {
      return null;
    }
  };
  const { changes, notes } = planInstall(read, files, { xmlCurl: values['xml-curl'], amd: values.amd });
  const problems = planProblems(changes);
  if (problems.length) {
    process.stderr.write(`refusing: FreeSWITCH would not start:\n${problems.join('\n')}\n`);
    return 1;
  }
  for (const c of changes) {
    process.stdout.write(`# ${c.file}: ${c.why}${c.before === null ? ' (new file)' : ''}\n`);
    process.stdout.write(diffText(c.before ?? '', c.after, { oldLabel: c.before === null ? '/dev/null' : `a/${c.file}`, newLabel: `b/${c.file}` }).unified);
  }
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  if (!changes.length) {
    process.stdout.write('nothing to change: the configuration is installed\n');
    return 0;
  }
  if (!values.apply) {
    process.stdout.write(`\n${changes.length} file(s) would change. Run again with --apply to write them (backups are kept).\n`);
    return 0;
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z');
  for (const c of changes) {
    const target = path.join(conf, c.file);
    if (c.before !== null) fs.copyFileSync(target, `${target}.switchboard-bak-${stamp}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, c.after);
    process.stdout.write(`wrote ${c.file}${c.before !== null ? ` (backup ${path.basename(target)}.switchboard-bak-${stamp})` : ''}\n`);
  }
  process.stdout.write(
    '\nNext: set the ESL password in vars.switchboard.xml, then restart FreeSWITCH (api-expansion only changes at a restart;\n' +
      '`fs_cli -x reloadxml` is enough for the rest), and run `npm run fs:check`.\n',
  );
  return 0;
}

process.exitCode = main();

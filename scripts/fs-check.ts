/**
 * npm run fs:check [-- --json] [--did 18005550100]
 *
 * Connects to every FreeSWITCH node of FREESWITCH_NODES with the service's own configuration (environment, database)
 * and reports what the service needs and what is missing (src/freeswitch/check/fs-check.ts). Exit code 1 when a
 * required check fails on some node, 2 when the configuration cannot be loaded.
 */
import { parseArgs } from 'node:util';
import { acdConfigStoreFor } from '../src/acd/config-store';
import { defaultAcdPrompts } from '../src/acd/runtime';
import { systemClock } from '../src/clock/clock';
import { loadConfig } from '../src/config/config';
import { openDatabase } from '../src/db/data-source';
import { LeadStore } from '../src/dialer/leads/store';
import { runFsCheck, type Finding } from '../src/freeswitch/check/fs-check';
import { FreeSwitchCluster } from '../src/freeswitch/cluster';
import { ivrStoreFor } from '../src/ivr/store';
import { createLogger } from '../src/log/logger';
import { promptFilesInUse } from '../src/prompts/files-in-use';
import { PromptFileCheck } from '../src/prompts/startup-check';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, did: { type: 'string' }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write('usage: npm run fs:check [-- --json] [--did <DID>]   (reads the same environment as npm start)\n');
    return 0;
  }
  const config = loadConfig(process.env);
  const logger = createLogger({ level: 'error' });
  if (!config.freeswitch.nodes.length) {
    process.stderr.write('FREESWITCH_NODES is empty: nothing to check\n');
    return 2;
  }
  const ds = await openDatabase(config.database, { logger });
  const cluster = new FreeSwitchCluster(config.freeswitch.nodes, {
    logger,
    commandTimeoutMs: config.freeswitch.commandTimeoutMs,
    reconnectMaxMs: config.freeswitch.reconnectMaxMs,
    eventQueueMax: config.freeswitch.eventQueueMax,
  });
  try {
    const ivrStore = ivrStoreFor(ds, { clock: systemClock, logger });
    await ivrStore.load();
    const acdConfig = acdConfigStoreFor(ds, { clock: systemClock, logger });
    await acdConfig.load();
    const prompts = new PromptFileCheck({
      files: () => promptFilesInUse({ ivrStore, acdConfig, campaigns: new LeadStore(ds), promptsDir: config.prompts.dir, acdPrompts: defaultAcdPrompts(config.prompts.dir) }),
      client: (node) => cluster.client(node),
      logger,
      now: () => Date.now(),
    });
    const dids = values.did ? [values.did.replace(/^\+/, '')] : ivrStore.listBindings().map((b) => b.did);
    const agentExtensions = acdConfig.listAgents({ enabled: true }).map((a) => a.extension);
    await cluster.start();
    const results: Record<string, Finding[]> = {};
    for (const node of cluster.nodeNames()) {
      const client = cluster.client(node);
      if (client.status !== 'ready') {
        results[node] = [{ check: 'event socket', level: 'fail', detail: `not connected (${client.status}): check FREESWITCH_NODES, the ESL password and the ACL` }];
        continue;
      }
      const report = await prompts.check(node);
      const findings = await runFsCheck({
        client,
        onEvent: (listener) => cluster.onEvent((n, e) => n === node && listener(e)),
        dids,
        missingPrompts: report.missing,
        promptsChecked: report.checked,
        agentExtensions,
      });
      results[node] = [{ check: 'event socket', level: 'ok', detail: 'connected' }, ...findings];
    }
    const failed = Object.values(results).some((f) => f.some((x) => x.level === 'fail'));
    if (values.json) process.stdout.write(JSON.stringify({ ok: !failed, nodes: results }) + '\n');
    else {
      for (const [node, findings] of Object.entries(results)) {
        process.stdout.write(`${node}\n`);
        for (const f of findings) process.stdout.write(`  ${f.level === 'ok' ? 'ok  ' : f.level === 'warn' ? 'WARN' : 'FAIL'}  ${f.check}: ${f.detail}\n`);
      }
      process.stdout.write(failed ? '\nsome required checks failed\n' : '\nall required checks passed\n');
    }
    return failed ? 1 : 0;
  } finally {
    await cluster.close();
    await ds.destroy();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`fs:check: ${(err as Error).message}\n`);
    process.exitCode = 2;
  },
);

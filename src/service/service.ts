import type { Server } from 'node:http';
import { shippedPath } from '../config/package-root';
import { CdrSpool } from '../cdr/cdr-spool';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { acdConfigStoreFor, type AcdConfigStoreImpl } from '../acd/config-store';
import { AgentSessions } from '../acd/agent-sessions';
import { AcdEngine } from '../acd/engine';
import { AcdHistoryWriter } from '../acd/history-store';
import { attachAcdWebSocket, publishToSupervisors, type AcdLiveHub } from '../acd/live';
import { DialerRuntime } from '../dialer/runtime/dialer-runtime';
import type { LiveDial } from '../dialer/runtime/campaign-runner';
import { FollowupService } from '../followups/service';
import { TicketService } from '../tickets/service';
import type { ApiDeps } from '../api/context';
import { AcdRuntime, defaultAcdPrompts, type AcdPrompts } from '../acd/runtime';
import { createAgentCallControl } from '../acd/runtime/agent-call-control';
import { createApp } from '../api/app';
import type { HealthReport } from '../api/health';
import { NodeCapabilityProbe } from '../freeswitch/capabilities';
import { DialFaults } from '../phones/dial-faults';
import { PhoneEndpoints } from '../phones/phone-endpoints';
import { PhoneRegistrations } from '../phones/registrations';
import { ensureBootstrapAdmin } from '../auth/bootstrap';
import { cdrFromHangupComplete } from '../cdr/cdr-from-event';
import { CdrWriter } from '../cdr/cdr-writer';
import { systemClock, type Clock } from '../clock/clock';
import type { Config } from '../config/config';
import { describeDatabase, openDatabase } from '../db/data-source';
import { importShippedDialplans } from '../dialplan/import';
import { FreeSwitchCluster } from '../freeswitch/cluster';
import { startRecording, type Recordings } from '../recording';
import { createSupervision, type SupervisionService } from '../supervision';
import { header, type EslEvent } from '../esl/types';
import { loadExampleFlows } from '../ivr/examples';
import { IvrRuntime, NoAcdQueueHandoff, type IvrRuntimeOptions, type QueueHandoff } from '../ivr/runtime';
import { seedExampleFlows } from '../ivr/seed';
import { ivrStoreFor, type IvrStore } from '../ivr/store';
import { csatStoreFor } from '../csat/store';
import { AlertService } from '../alerts/service';
import type { Logger } from '../log/logger';
import { createMetrics, type MetricsRegistry } from '../metrics/registry';
import { LeadStore } from '../dialer/leads/store';
import { PromptFileCheck } from '../prompts/startup-check';
import { promptFilesInUse } from '../prompts/files-in-use';
import { startInstanceRole, type InstanceRole } from '../ha/instance-role';
import { WebhookDispatcher } from '../webhooks/dispatcher';
import { callerProfilesFor } from '../profiles';
import { startReportFileDrop } from '../reports/file-drop';
import { startReportRollup } from '../reports/rollup-keeper';

/** dialplans/ at the package root. */
const SHIPPED_DIALPLANS = shippedPath('dialplans');

export interface ServiceDeps {
  logger: Logger;
  clock?: Clock;
  /** Tuning passed to the API (tests use a low bcrypt cost). */
  apiOptions?: Parameters<typeof createApp>[0]['options'];
  /** IVR runtime settings (the demo points the example's CRM variable at its stub; the ACD brings a queue handoff). */
  ivr?: Pick<IvrRuntimeOptions, 'queueHandoff' | 'variables' | 'defaultGateway' | 'transferContext' | 'limits' | 'fetch' | 'callVariables'> & {
    /** DID bound to the shipped example on first start (default 18005550100; null: none). */
    exampleDid?: string | null;
    /** Import the shipped example flows into an empty flow table (default true). */
    importExamples?: boolean;
    /** The clock flows see (business hours...); tests move it. Default: the service clock. */
    clock?: Clock;
  };
  /**
   * Called when this instance led and lost the leadership lease (HA_MODE=lease): it must stop at once (main.ts exits;
   * the supervisor restarts it as a standby). Default: the service closes itself.
   */
  onDemoted?: (reason: string) => void;
  /** How long a MySQL/MariaDB server that does not answer yet is waited for at start-up (default 60 s; 0: no retry). */
  databaseConnectRetryMs?: number;
  /** ACD runtime settings. */
  acd?: {
    /** Gateway for callbacks to customers (default: the IVR's defaultGateway; none: no callbacks). */
    callbackGateway?: string;
    callbackCallerId?: string;
    prompts?: Partial<AcdPrompts>;
    /** The engine's random source (random strategy); tests seed it. */
    random?: () => number;
  };
}

/** A running Switchboard: what main.ts, the demo and end-to-end tests hold on to. */
export interface Service {
  readonly config: Config;
  readonly dataSource: DataSource;
  readonly cluster: FreeSwitchCluster;
  readonly cdrWriter: CdrWriter;
  readonly metrics: MetricsRegistry;
  /** Runs IVR flows on inbound calls parked with switchboard_did. */
  readonly ivr: IvrRuntime;
  readonly ivrStore: IvrStore;
  /** The ACD: engine, FreeSWITCH runtime (offers, bridges, music on hold) and its history writer. */
  readonly acd: AcdRuntime;
  readonly acdConfig: AcdConfigStoreImpl;
  readonly acdHistory: AcdHistoryWriter;
  /** Agents' sessions (logged in, state, reason), kept across restarts. */
  readonly agentSessions: AgentSessions;
  readonly recordings: Recordings;
  readonly supervision: SupervisionService;
  /** Outbound campaigns (src/dialer/runtime). */
  readonly dialer: DialerRuntime;
  /** Follow-up calls of tickets; its onCsatAnswer (FollowupOutcomeSink) takes the survey answers of follow-up calls. */
  readonly followups: FollowupService;
  /** How people's phones are dialled (src/phones/phone-endpoints.ts). */
  readonly phones: PhoneEndpoints;
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8080 (the real port when HTTP_PORT=0). */
  readonly url: string;
  /** Active or standby (src/ha): a standby serves reads and starts the rest when it takes over. */
  readonly role: InstanceRole;
  /** Resolves once this instance is active and its FreeSWITCH work started (at once in HA_MODE=single). */
  whenActive(): Promise<void>;
  health(): Promise<HealthReport>;
  /** Stops taking requests and events, writes the CDRs still queued, closes connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Wires the edges together: database (migrated at start), FreeSWITCH connections, the CDR pipeline and the HTTP API.
 * Domain modules get what they need from here; nothing below this file opens sockets or reads the environment.
 */
export async function startService(config: Config, deps: ServiceDeps): Promise<Service> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger;
  const log = logger.child({ module: 'service' });

  log.info('opening database', { database: describeDatabase(config.database) });
  // A database started at the same time (compose, boot) may not listen yet: wait for it rather than exit.
  const dataSource = await openDatabase(config.database, { logger, connectRetry: { clock, forMs: deps.databaseConnectRetryMs ?? 60_000 } });
  const closers: Array<() => Promise<void>> = [async () => void (await dataSource.destroy())];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        log.error('error while shutting down', { error: (err as Error).message });
      }
    }
    closers.length = 0;
  };

  try {
    await ensureBootstrapAdmin(dataSource, config.auth.bootstrapAdmin, { logger, clock });
    // The dialplans this repository ships become version 1 of their contexts the first time (then the API owns them).
    await importShippedDialplans(dataSource, SHIPPED_DIALPLANS, { logger, clock });

    const metrics = createMetrics();
    // Leadership first: everything that talks to FreeSWITCH passes its fence, and a standby starts none of it.
    const role = await startInstanceRole(config, { clock, logger });
    closers.push(() => role.close());
    metrics.onScrape(() => {
      const st = role.state();
      metrics.haActive.set(st.role === 'active' ? 1 : 0);
      metrics.haTerm.set(st.term ?? 0);
      metrics.haLeaseAgeSeconds.set(st.leaseAgeMs === null ? 0 : st.leaseAgeMs / 1000);
    });
    // Opened before the writer: CDRs a killed process left in the spool are replayed first.
    const cdrSpool = new CdrSpool(config.cdr.spoolDir, config.cdr.spoolMaxBytes).open();
    const cdrWriter = new CdrWriter(dataSource, {
      spool: cdrSpool,
      batchSize: config.cdr.batchSize,
      flushMs: config.cdr.flushMs,
      clock,
      logger,
      onWritten: (n) => metrics.cdrWrittenTotal.inc(n),
      onDropped: (n, reason) => metrics.cdrDroppedTotal.inc({ reason }, n),
    });
    closers.push(async () => {
      await cdrWriter.close();
      cdrSpool.close();
    });
    metrics.onScrape(() => {
      const st = cdrWriter.stats();
      metrics.cdrQueueDepth.set(st.queued);
      metrics.cdrSpooled.set(st.spooled);
      metrics.cdrSpoolBytes.set(st.spoolBytes);
    });

    const cluster = new FreeSwitchCluster(config.freeswitch.nodes, {
      logger,
      clock,
      metrics,
      commandTimeoutMs: config.freeswitch.commandTimeoutMs,
      reconnectMaxMs: config.freeswitch.reconnectMaxMs,
      eventQueueMax: config.freeswitch.eventQueueMax,
      fence: () => role.fence(),
    });
    closers.push(() => cluster.close());

    // IVR: flows and bindings are loaded into memory now, so calls never wait on the database for them.
    const ivrStore = ivrStoreFor(dataSource, { clock, logger });
    await ivrStore.load();
    if (deps.ivr?.importExamples !== false) {
      const seeded = await seedExampleFlows(ivrStore, loadExampleFlows(undefined, { promptsDir: config.prompts.dir }), { logger, did: deps.ivr?.exampleDid });
      if (seeded.imported.length) log.info('imported the example IVR flows', { flows: seeded.imported });
      if (seeded.bound) log.info('bound the example IVR flow to its DID', seeded.bound);
    }
    // ACD: configuration from the database, history written in the background, the runtime on the cluster. It takes
    // the IVR's queued calls as soon as some queue exists (until then the IVR says "no ACD configured").
    const acdConfig = acdConfigStoreFor(dataSource, { clock, logger });
    const acdHistory = new AcdHistoryWriter(dataSource, { clock, logger });
    closers.push(() => acdHistory.close());
    // Phones: how agents' and supervisors' phones are dialled, which are registered, and where calls FreeSWITCH
    // could not place at all are reported (never blamed on the agent).
    const dialFaults = new DialFaults({ clock, logger, count: (f) => metrics.dialConfigErrorsTotal.inc({ source: f.source, cause: f.cause }) });
    const phones = new PhoneEndpoints(config.telephony.phoneDial, cluster, (err) =>
      dialFaults.record({ source: 'phone_domain', node: '-', cause: 'config', detail: err.message }),
    );
    closers.push(async () => phones.close());
    const registrations = new PhoneRegistrations(cluster, logger);
    closers.push(async () => registrations.close());
    // Filled by the ACD's takeover at the first connect to each node (see activate below).
    let ivrRef: IvrRuntime | undefined;
    let recordingsRef: Recordings | undefined;
    let supervisionRef: SupervisionService | undefined;
    /** Campaign calls live on FreeSWITCH at the takeover: the dialer tracks them again and does not release their leads. */
    const liveDials: LiveDial[] = [];
    const acd = new AcdRuntime({
      cluster,
      store: acdConfig,
      createEngine: (onEffect) => new AcdEngine({ clock, onEffect, random: deps.acd?.random }),
      history: acdHistory,
      clock,
      logger,
      callbackGateway: deps.acd?.callbackGateway ?? deps.ivr?.defaultGateway ?? config.telephony.outboundGateway,
      callbackCallerId: deps.acd?.callbackCallerId ?? config.telephony.callbackCallerId,
      prompts: { ...defaultAcdPrompts(config.prompts.dir), ...deps.acd?.prompts },
      commandTimeoutMs: config.freeswitch.commandTimeoutMs,
      phones,
      // Loopback phones (the fault drills) register nowhere: gating offers on registrations would skip every agent.
      ...(config.telephony.phoneDial.mode === 'loopback' ? {} : { registrations }),
      dialFaults,
      // Callers in the middle of a flow when the previous instance stopped start it again (IvrRuntime.takeOver).
      onTakeover: (node, channels) => {
        ivrRef?.takeOver(node, channels);
        // Recordings the previous instance started: watched again while their call is up, else finished from the file.
        // Supervision sessions: both legs up, the session goes on under this instance; else it is closed.
        const live = new Set(channels.map((ch) => header(ch, 'Unique-ID')).filter((u): u is string => !!u));
        const adopted = Promise.all([
          recordingsRef?.service.takeOver(node, live).catch((err: unknown) => logger.warn('taking over the recordings failed', { node, error: (err as Error).message })),
          supervisionRef?.adoptSessions(node, live).catch((err: unknown) => logger.warn('taking over the supervision sessions failed', { node, error: (err as Error).message })),
        ]);
        for (const ch of channels) {
          const lead = Number(header(ch, 'variable_switchboard_lead'));
          const campaign = Number(header(ch, 'variable_switchboard_campaign'));
          const uuid = header(ch, 'Unique-ID');
          // The dialer's originate sets both variables on every campaign call (campaign-runner.ts launch).
          if (!uuid || !Number.isInteger(lead) || lead <= 0 || !Number.isInteger(campaign) || campaign <= 0) continue;
          // Answered: FreeSWITCH's answer time (epoch microseconds, 0 until then).
          const answered = Number(header(ch, 'Caller-Channel-Answered-Time') ?? '0') > 0;
          liveDials.push({ uuid, node, campaignId: campaign, leadId: lead, answered });
        }
        return adopted;
      },
    });
    await acd.start();
    closers.push(() => acd.close());
    // Agents logged in before a restart come back logged in (src/acd/agent-sessions.ts says in which state), before
    // FreeSWITCH is connected, so the first calls already find them.
    const agentSessions = new AgentSessions({ dataSource, runtime: acd, clock, logger, isEnabled: (id) => acdConfig.getAgent(id)?.enabled === true });
    closers.push(() => agentSessions.close());
    // Agent call control (hold, transfers, 3-way, manual outbound, forced hangups): one instance, below the API, so the
    // API, supervision and the dialer all see the same calls.
    const callControl = createAgentCallControl({
      cluster,
      runtime: acd,
      logger,
      clock,
      gateway: config.telephony.outboundGateway,
      outboundCallerId: config.telephony.callbackCallerId,
      phones,
      // Hold time, transfers and 3-ways land on the queue call's history row (the period reports' AHT split).
      handling: (callId, h) => acdHistory.callHandling(callId, h),
    });
    closers.push(async () => callControl.close());
    const noAcd = new NoAcdQueueHandoff();
    const queueHandoff: QueueHandoff = {
      handoff: (call) => (acd.hasQueues() ? acd.handoff(call) : noAcd.handoff(call)),
    };

    // Caller profiles (src/profiles): each call's flow starts with its caller's profile variables (name, VIP, blocked).
    const profiles = callerProfilesFor(dataSource, { clock, logger });
    const { exampleDid: _exampleDid, importExamples: _importExamples, clock: ivrClock, ...ivrOptions } = deps.ivr ?? {};
    const ivr = new IvrRuntime({
      queueHandoff,
      defaultGateway: config.telephony.outboundGateway,
      ...ivrOptions,
      callVariables: ivrOptions.callVariables ?? ((n) => profiles.callVariables(n)),
      // CRM_URL is what flows reach as {{var.crm_url}}; variables given by the caller of startService win.
      variables: { ...(config.telephony.crmUrl ? { crm_url: config.telephony.crmUrl } : {}), ...ivrOptions.variables },
      cluster,
      store: ivrStore,
      clock: ivrClock ?? clock,
      logger,
      voicemailDir: config.telephony.voicemailDir,
      // Survey nodes store their answers here (README "Post-call CSAT survey"); follow-ups listen on its onAnswer.
      csat: csatStoreFor(dataSource, logger),
    });
    ivrRef = ivr;
    // Subscribed before the CDR listener: a call's path is final when its CHANNEL_HANGUP_COMPLETE reaches the CDR.
    await ivr.start();
    closers.push(() => ivr.close());

    // Recording by policy at each ACD connect, agent/supervisor control, masking during sensitive IVR input, retention.
    const recordings = startRecording({ dataSource, cluster, acd, acdConfig, ivr, config, clock, logger });
    recordingsRef = recordings;
    closers.push(() => recordings.close());
    const supervision = createSupervision({ dataSource, config, clock, logger, freeswitch: cluster, acd, acdConfig, acdCallControl: callControl, phones });
    supervisionRef = supervision;
    closers.push(() => supervision.close());

    // Outbound campaigns: enabled ones dial through OUTBOUND_GATEWAY; live answers go to the campaign's ACD queue.
    const capabilities = new NodeCapabilityProbe(cluster, logger);
    closers.push(async () => capabilities.close());
    // Follow-up calls of tickets (src/followups): leads of the follow-up campaigns, their outcomes written back.
    const followups: FollowupService = new FollowupService({ dataSource, clock, logger, config: config.followups, tickets: new TicketService(dataSource, clock), dialer: { reload: (id): Promise<void> => dialer.reload(id) } });
    const dialer: DialerRuntime = new DialerRuntime({
      dataSource,
      capabilities,
      cluster,
      acd,
      clock,
      logger,
      metrics,
      gateway: config.telephony.outboundGateway,
      callerId: config.telephony.callbackCallerId,
      promptsDir: config.prompts.dir,
      publish: (figures) => publishToSupervisors(acd, { ...figures, campaign_type: figures.type, type: 'campaign_stats' }),
      // Preview dials and agents' own callbacks ring the agent first, through the one call control.
      manualOutbound: (agentId: number, number: string) => callControl.manualOutbound(agentId, number),
      // An agentless campaign with a `flow` (the follow-up survey) hands the answered call to the IVR.
      runFlow: (call) => ivr.runOnChannel(call.node, call),
      dialVariables: (campaign, lead) => (followups.isFollowupCampaign(campaign) ? FollowupService.dialVariables(lead) : {}),
    });
    closers.push(() => dialer.close());
    const offLeadChange = dialer.store.onLeadChange((change) => {
      followups.onLeadChange(change).catch((err: unknown) => logger.error('follow-up could not follow its lead', { lead: change.leadId, error: (err as Error).message }));
    });
    closers.push(async () => void offLeadChange());
    // A survey answered on a follow-up call settles that follow-up (satisfied, reached, or the ticket reopened).
    const offCsat = csatStoreFor(dataSource, logger).onAnswer((e) => {
      const followupId = e.answer.followup_id;
      if (e.kind !== 'answered' || followupId === null) return;
      return followups.onCsatAnswer(followupId, e.answer.score).catch((err: unknown) => {
        logger.error('a follow-up could not take its survey answer', { followup: followupId, error: (err as Error).message });
      });
    });
    closers.push(async () => void offCsat());
    // KPI alerts (src/alerts): judged on the active instance only; the queue windows follow the ACD from the start.
    const alerts = new AlertService({
      dataSource,
      clock,
      logger,
      tickMs: config.alerts.tickMs,
      sources: {
        queues: () => acd.engine.queues(),
        serviceLevelSec: (queue) => acdConfig.getQueue(queue)?.config.serviceLevelSec,
        // A team's enabled agents (configuration), with their state in the engine now (team-scoped rules).
        teamAgents: (team) => acdConfig.listAgents({ team, enabled: true }).map((a) => ({ state: acd.engine.agent(a.id)?.state, queues: a.queues.map((q) => q.queue) })),
        campaignAbandonRate: (name) => dialer.figures().find((f) => f.campaign === name)?.abandon_rate_rolling ?? null,
        nodesDown: () => cluster.health().filter((n) => n.status !== 'connected').length,
        cdrBacklog: () => {
          const st = cdrWriter.stats();
          return st.queued + st.spooled;
        },
      },
      publish: (message, audience) => void publishToSupervisors(acd, message, audience.team),
    });
    const offAlertEffects = acd.onEffect((e) => alerts.windows.onEffect(e));
    closers.push(async () => {
      offAlertEffects();
      alerts.stop();
    });
    // Webhooks (ticket changes, later alerts) leave from the active instance only, pending ones across restarts.
    const webhooks = new WebhookDispatcher({ dataSource, clock, logger });
    closers.push(() => webhooks.close());
    // Scheduled period report files (REPORT_DROP_DIR), written by the active instance only.
    const reportDrop = startReportFileDrop({ dataSource, config, acdConfig, clock, logger });
    closers.push(() => reportDrop.close());
    const reportRollup = startReportRollup({ dataSource, config, acdConfig, clock, logger });
    closers.push(() => reportRollup.close());

    // One CDR per leg, straight from the event: enqueue never blocks or throws, so event delivery never waits on SQL.
    // The same for mod_xml_cdr's posts (src/cdr/xml-cdr-route.ts): one mapping and one enrichment for both paths.
    const recordCdr = (node: string, event: EslEvent): boolean => {
      const cdr = cdrFromHangupComplete(event, node);
      if (!cdr) return false;
      const ivrPath = ivr.ivrPathFor(cdr.uuid);
      if (ivrPath?.length) cdr.ivr_path = ivrPath;
      const acdLink = acd.cdrLinkFor(cdr.uuid);
      if (acdLink) {
        cdr.queue_call_id = acdLink.queue_call_id;
        if (acdLink.agent_id !== null) cdr.agent_id = acdLink.agent_id;
      }
      const recordingId = recordings.recordingIdFor(cdr.uuid);
      if (recordingId) cdr.recording_id = recordingId;
      cdrWriter.enqueue(cdr);
      return true;
    };
    cluster.onEvent((node, event) => {
      if (event.name !== 'CHANNEL_HANGUP_COMPLETE') return;
      const uuid = header(event, 'Unique-ID');
      recordCdr(node, event);
      if (uuid) {
        ivr.forget(uuid);
        acd.forgetLink(uuid);
        recordings.forgetLink(uuid);
      }
    });
    // Prompt files: each node is asked on every connect for the files the flows, queues, ACD and campaigns play.
    const acdPrompts = { ...defaultAcdPrompts(config.prompts.dir), ...deps.acd?.prompts };
    const campaigns = new LeadStore(dataSource);
    const promptCheck = new PromptFileCheck({
      files: () => promptFilesInUse({ ivrStore, acdConfig, campaigns, promptsDir: config.prompts.dir, acdPrompts }),
      client: (node) => cluster.client(node),
      logger,
      now: () => clock.now(),
      registry: metrics.registry,
      commandTimeoutMs: config.freeswitch.commandTimeoutMs,
    });
    cluster.onStatus((node, status) => {
      if (status === 'ready') void promptCheck.check(node);
    });
    if (config.freeswitch.nodes.length === 0) {
      log.warn('no FreeSWITCH nodes configured (FREESWITCH_NODES is empty): the API runs, but no calls will be handled');
    }
    for (const node of config.freeswitch.nodes) {
      if (node.password === 'ClueCon') {
        log.warn('FreeSWITCH node uses the stock ESL password ClueCon; set a strong one in event_socket.conf.xml', {
          node: node.name,
        });
      }
    }

    const health = async (): Promise<HealthReport> => {
      const freeswitch = cluster.health();
      let database: HealthReport['database'];
      try {
        await dataSource.query('SELECT 1');
        database = { status: 'ok' };
      } catch (err) {
        database = { status: 'down', error: (err as Error).message };
      }
      const nodesUp = freeswitch.filter((n) => n.status === 'connected').length;
      const dialing = dialFaults.health();
      const spool = cdrSpool.stats();
      const cdr: NonNullable<HealthReport['cdr']> = {
        status: spool.refused > 0 ? 'losing' : spool.rows > 0 ? 'spooling' : 'ok',
        queued: cdrWriter.stats().queued,
        spooled: spool.rows,
        spool_bytes: spool.bytes,
        spool_max_bytes: spool.maxBytes,
        spool_refused: spool.refused,
      };
      // Calls go on while the database is down (CDRs wait in the spool): degraded, unless the spool is full too.
      const status: HealthReport['status'] =
        database.status === 'down' && cdr.status === 'losing'
          ? 'down'
          : database.status === 'down' || cdr.status !== 'ok' || nodesUp < freeswitch.length || freeswitch.length === 0 || dialing.status === 'failing'
            ? 'degraded'
            : 'ok';
      const ha = role.state();
      const haReport: NonNullable<HealthReport['ha']> = {
        mode: ha.mode,
        instance_id: ha.instanceId,
        role: ha.role,
        term: ha.term,
        holder: ha.holder,
        holder_url: ha.holderUrl,
        lease_age_ms: ha.leaseAgeMs,
      };
      // A standby has no FreeSWITCH connections by design: it is as healthy as its database and CDR spool.
      const standbyStatus: HealthReport['status'] = database.status === 'down' ? 'degraded' : cdr.status === 'losing' ? 'degraded' : 'ok';
      return {
        status: ha.role === 'standby' ? standbyStatus : status,
        freeswitch,
        database,
        cdr,
        dialing,
        ha: haReport,
        prompts: { missing: promptCheck.missingCount(), nodes: promptCheck.report() },
      };
    };

    const apiDeps: ApiDeps = { dataSource, config, clock, logger, health, metrics, haRole: () => role.state(), ingestCdrEvent: recordCdr, cdrPersisted: () => cdrWriter.persisted(), freeswitch: cluster, phones, acd, acdConfig, acdCallControl: callControl, recordings, supervision, dialer, followups, alerts, ivrPathFor: (uuid) => ivr.ivrPathFor(uuid), options: deps.apiOptions };
    const app = createApp(apiDeps);
    const server = await listen(app, config.http.host, config.http.port);
    closers.push(() => closeServer(server));
    const acdLive: AcdLiveHub = attachAcdWebSocket(server, apiDeps, { ivrPathFor: (uuid) => ivr.ivrPathFor(uuid) });
    closers.push(() => acdLive.close());
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    log.info('HTTP API listening', { url });

    // The FreeSWITCH work starts when this instance leads: at once in HA_MODE=single, at the takeover on a standby.
    // Agents' sessions come back first (a standby taking over finds the agents of the instance that died), then the
    // connections: the ACD takes over the calls already on each node at its first connect (takeover-plan.ts).
    let closing: Promise<void> | undefined;
    let activation: Promise<void> | undefined;
    const activate = async (): Promise<void> => {
      const started = clock.now();
      // A standby loaded the configuration when it started; the active instance may have changed it since.
      if (config.ha.mode !== 'single') {
        await acdConfig.reload();
        await ivrStore.load();
      }
      await agentSessions.start();
      // Connect, and take over the calls already on each node, before the dialer decides which leads are free.
      await cluster.start();
      await acd.takeoversSettled();
      await dialer.start({ liveDials });
      webhooks.start();
      await alerts.start();
      reportDrop.start();
      reportRollup.start();
      log.info('this instance runs the contact center', { ...role.state(), startedInMs: clock.now() - started });
    };
    role.onDemoted((reason) => {
      if (deps.onDemoted) deps.onDemoted(reason);
      else void (closing ??= closeAll());
    });
    if (config.ha.mode === 'single') {
      activation = activate();
      await activation;
    } else {
      if (role.state().role === 'standby') log.info('waiting for the leadership lease (standby until then)', role.state());
      activation = role.whenActive().then(() => (closing ? undefined : activate()));
      activation.catch((err: unknown) => {
        // Holding the lease without running the contact center would keep the standby out: stop (fail-stop).
        log.error('taking over as the active instance failed; stopping', { error: (err as Error).stack ?? String(err) });
        if (deps.onDemoted) deps.onDemoted('the takeover failed');
        else void (closing ??= closeAll());
      });
    }

    return {
      config,
      dataSource,
      cluster,
      cdrWriter,
      metrics,
      ivr,
      ivrStore,
      acd,
      acdConfig,
      acdHistory,
      agentSessions,
      recordings,
      supervision,
      dialer,
      followups,
      phones,
      url,
      role,
      whenActive: () => activation ?? Promise.resolve(),
      health,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function listen(app: ReturnType<typeof createApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections would hold close() open; idle ones go now, busy ones when their response ends.
    server.closeIdleConnections();
  });
}

/**
 * The simulator alone: how many queue-like calls one simulator thread completes per second of its own CPU, fed by a
 * service-like ESL client subscribed to ALL in json. Without this figure the whole-service bench (acd-route) cannot
 * tell whether it measured the service or the simulator feeding it.
 *
 *   npx tsx scripts/bench/simulator.ts [--calls 3000] [--concurrency 200]
 *
 * The simulator runs in a worker thread (as in acd-route), the client in this thread. Each call is the mix the ACD
 * makes FreeSWITCH produce: an inbound carrier call runs the public dialplan and parks; the client (on CHANNEL_PARK)
 * originates a registered softphone with `&park()`, and on the BACKGROUND_JOB `+OK` bridges the caller to it with
 * `uuid_bridge`; 200 ms later it hangs the agent leg up (uuid_kill) and hangup_after_bridge hangs the caller up. The worker keeps
 * `concurrency` inbound calls alive, injecting a new one as each ends, until `calls` calls are over (after a warm-up
 * of 500 not counted): a fixed amount of work, so that the figure does not depend on where a time window cuts.
 *
 * calls_per_s is calls completed (caller leg destroyed) per second of the simulator thread's own CPU time (Linux; the
 * event loop's active time elsewhere), so the figure depends neither on how much of the machine the client gets nor
 * on other processes taking the cores (event loop utilization would count the time the thread waited for one).
 * wall_calls_per_s is the same count per second of wall time, with the thread's utilization beside it.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { EslClient } from '../../src/esl/client';
import { header, type EslEvent } from '../../src/esl/types';
import { park } from '../../src/freeswitch/apps';
import { originate, uuidBridge, uuidKill } from '../../src/freeswitch/api';
import { dialUser } from '../../src/freeswitch/dial';
import { silentLogger } from '../../src/log/logger';
import { startSimulator } from '../../src/simulator';
import { threadCpuMs } from './thread-cpu';

const ESL_PASSWORD = 'simulator-bench';
const WORKER_FLAG = 'simulator-bench-worker';
const PHONES = 2000;
const FIRST_EXT = 30000;
const GOAL = 1000;
const TALK_MS = 200;

interface WorkerConfig {
  [WORKER_FLAG]: true;
  concurrency: number;
}

/** Worker -> main. */
type WorkerMessage = { op: 'ready'; port: number } | ({ op: 'done' } & RunResult) | { op: 'closed' };

/** One run of a fixed number of calls, as the simulator thread saw it. */
interface RunResult {
  completed: number;
  wallMs: number;
  /** CPU time of the simulator thread itself (ms), when the OS tells it (Linux /proc/thread-self). */
  cpuMs?: number;
}
/** Main -> worker. */
type MainMessage = { op: 'run'; calls: number } | { op: 'stop' };

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const progress = (msg: string): void => void process.stderr.write(`  simulator: ${msg}\n`);


// ---- worker: the simulator and the callers -------------------------------------------------------------------------

async function simulatorWorker(config: WorkerConfig): Promise<void> {
  const port = parentPort!;
  const sim = await startSimulator({ password: ESL_PASSWORD, seed: 11, heartbeatMs: 0, maxSessions: 100_000 });
  // The phones answer at once (the simulator floors that at 61 ms); the client ends each call after its bridge (a
  // phone's own talk timer would race the bridge when the thread is saturated and its latency grows).
  for (let i = 0; i < PHONES; i++) sim.registerSoftphone(String(FIRST_EXT + i), { answerDelayMs: 0 });
  let seq = 0;
  /** The run in progress: callers still to inject, callers alive, and when it began. */
  let run: { left: number; live: Set<string>; completed: number; cpu0?: number; t0: number } | undefined;
  const inject = (): void => {
    while (run && run.left > 0 && run.live.size < config.concurrency) {
      run.left--;
      const n = ++seq;
      run.live.add(sim.injectInboundCall({ from: `+1415${String(5_000_000 + (n % 5_000_000)).padStart(7, '0')}`, to: '+15551001000' }));
    }
  };
  sim.engine.destroyListeners.push((ch) => {
    if (!run?.live.delete(ch.uuid)) return;
    run.completed++;
    if (run.left === 0 && run.live.size === 0) {
      const cpu1 = threadCpuMs();
      const done: WorkerMessage = {
        op: 'done',
        completed: run.completed,
        wallMs: performance.now() - run.t0,
        ...(run.cpu0 !== undefined && cpu1 !== undefined ? { cpuMs: cpu1 - run.cpu0 } : {}),
      };
      run = undefined;
      port.postMessage(done);
      return;
    }
    // A new caller once this one is gone, after the current burst of events (not from inside the destroy).
    setImmediate(inject);
  });
  port.on('message', (msg: MainMessage) => {
    switch (msg.op) {
      case 'run':
        run = { left: msg.calls, live: new Set(), completed: 0, cpu0: threadCpuMs(), t0: performance.now() };
        inject();
        return;
      case 'stop':
        run = undefined;
        void sim.close().then(() => {
          port.postMessage({ op: 'closed' } satisfies WorkerMessage);
          port.close();
        });
        return;
    }
  });
  port.postMessage({ op: 'ready', port: sim.port } satisfies WorkerMessage);
}

// ---- main: the service-like client --------------------------------------------------------------------------------

/** Parks -> originate a free phone -> uuid_bridge, as the ACD runtime does; phones come back when their leg ends. */
function driveCalls(client: EslClient): { errors: () => number } {
  const free: string[] = [];
  for (let i = PHONES - 1; i >= 0; i--) free.push(String(FIRST_EXT + i));
  const phoneOfLeg = new Map<string, string>();
  let errors = 0;
  let legSeq = 0;
  client.on('event', (event: EslEvent) => {
    const uuid = header(event, 'Unique-ID');
    if (!uuid) return;
    if (event.name === 'CHANNEL_PARK' && header(event, 'variable_switchboard_inbound') === 'true') {
      const ext = free.pop();
      if (!ext) {
        errors++;
        return;
      }
      const legUuid = `00000000-0000-4000-8000-${String(++legSeq).padStart(12, '0')}`;
      phoneOfLeg.set(legUuid, ext);
      const cmd = originate(dialUser(ext), park(), { switchboard_queue_call: uuid, switchboard_agent_id: ext }, { originateUuid: legUuid, timeoutSec: 30 });
      // A call that cannot be connected is hung up, as the ACD does, so it does not stay parked and hold its slot.
      const fail = (what: string): void => {
        errors++;
        if (errors <= 3) progress(`${what} failed`);
        client.api(uuidKill(uuid)).catch(() => undefined);
      };
      client
        .bgapi(cmd)
        .then(async (job) => {
          if (!job.ok) return fail(`originate: ${job.body.trim()}`);
          const reply = await client.api(uuidBridge(uuid, legUuid));
          if (!reply.ok) return fail(`uuid_bridge: ${reply.body.trim()}`);
          // The agent hangs up after a short talk; hangup_after_bridge (the public dialplan's) ends the caller.
          await sleep(TALK_MS);
          await client.api(uuidKill(legUuid));
        })
        // Commands still pending when the bench closes the client end here too.
        .catch((err: unknown) => fail(`command: ${(err as Error).message}`));
    } else if (event.name === 'CHANNEL_DESTROY') {
      const ext = phoneOfLeg.get(uuid);
      if (ext === undefined) return;
      phoneOfLeg.delete(uuid);
      free.push(ext);
    }
  });
  return { errors: () => errors };
}

class BenchWorker {
  readonly worker: Worker;
  private readonly listeners = new Set<(m: WorkerMessage) => void>();

  constructor(config: WorkerConfig) {
    // tsx's require hook, so the worker runs this very TypeScript file.
    const boot = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(__filename)});`;
    this.worker = new Worker(boot, { eval: true, workerData: config });
    this.worker.on('message', (m: WorkerMessage) => {
      for (const l of this.listeners) l(m);
    });
  }

  next<K extends WorkerMessage['op']>(op: K): Promise<Extract<WorkerMessage, { op: K }>> {
    return new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      const l = (m: WorkerMessage): void => {
        if (m.op !== op) return;
        this.listeners.delete(l);
        resolve(m as Extract<WorkerMessage, { op: K }>);
      };
      this.listeners.add(l);
    });
  }

  send(m: MainMessage): void {
    this.worker.postMessage(m);
  }

  /** Runs `calls` calls through the simulator and resolves when the last one is gone. */
  async run(calls: number): Promise<RunResult> {
    const done = this.next('done');
    this.send({ op: 'run', calls });
    return done;
  }

  utilization(since?: EventLoopUtilization): EventLoopUtilization {
    return this.worker.performance.eventLoopUtilization(since);
  }
}

export async function runSimulatorBench(args: string[] = []): Promise<object[]> {
  const arg = (name: string, dflt: number): number => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
  };
  const calls = arg('calls', 3000);
  const concurrency = arg('concurrency', 200);
  const worker = new BenchWorker({ [WORKER_FLAG]: true, concurrency });
  const { port } = await worker.next('ready');
  const client = new EslClient({ host: '127.0.0.1', port, password: ESL_PASSWORD, logger: silentLogger, events: ['ALL'], eventQueueMax: 1_000_000 });
  try {
    await client.connect();
    const drive = driveCalls(client);
    progress('warming up');
    await worker.run(Math.min(500, calls));
    const events0 = client.stats().eventsReceived;
    const elu0 = worker.utilization();
    const mainElu0 = performance.eventLoopUtilization();
    progress(`measuring ${calls} calls`);
    const r = await worker.run(calls);
    const elu = worker.utilization(elu0);
    const mainElu = performance.eventLoopUtilization(mainElu0);
    // The calls are over when the simulator destroyed them; their last events may still be on their way.
    await sleep(200);
    const events = client.stats().eventsReceived - events0;
    const busyMs = r.cpuMs ?? elu.active;
    return [
      {
        bench: 'simulator-call-rate',
        calls_per_s: Math.round(r.completed / (busyMs / 1000)),
        unit: 'calls/s of simulator thread CPU',
        cpu_source: r.cpuMs !== undefined ? 'thread cpu time' : 'event loop active time',
        simulator_thread_cpu_s: round(busyMs / 1000),
        goal: GOAL,
        wall_calls_per_s: Math.round(r.completed / (r.wallMs / 1000)),
        simulator_thread_utilization: round(elu.utilization),
        client_thread_utilization: round(mainElu.utilization),
        events_per_call: round(events / Math.max(1, r.completed), 1),
        calls: r.completed,
        concurrency,
        client_errors: drive.errors(),
        format: 'json',
        subscribed: 'ALL',
        wall_s: round(r.wallMs / 1000, 1),
      },
    ];
  } finally {
    await client.close();
    const closed = worker.next('closed');
    worker.send({ op: 'stop' });
    await Promise.race([closed, sleep(5000)]);
    await worker.worker.terminate();
  }
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_FLAG]) {
  void simulatorWorker(workerData as WorkerConfig);
} else if (require.main === module) {
  runSimulatorBench(process.argv.slice(2))
    .then((results) => {
      for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`simulator bench: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    });
}

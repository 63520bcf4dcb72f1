import type { CallEngine } from './engine';
import { SITES } from './event-bus';
import type { LegDriver } from './originate';
import { sofiaInviteSent, sofiaOutboundVars } from './sofia-vars';
import type { GatewayNumberConfig, GatewayOutcome, GatewayProbabilities } from './types';

/**
 * The PSTN behind `sofia/gateway/<gw>/<number>`: each dialled number answers (a person), answers as a machine
 * (amd_result=MACHINE and a CUSTOM avmd::beep), is busy, never answers, does not exist, or fails. The outcome is set
 * per number or drawn from seeded probabilities.
 */
export class Gateway {
  private readonly numbers = new Map<string, GatewayNumberConfig>();
  private probabilities: GatewayProbabilities = { answer: 0.7, busy: 0.08, noAnswer: 0.1, machine: 0.1, invalid: 0.02 };
  /** Known gateway names; empty = every name exists. */
  readonly names = new Set<string>();

  constructor(private readonly engine: CallEngine) {}

  setNumber(number: string, cfg: GatewayNumberConfig | GatewayOutcome): void {
    this.numbers.set(number, typeof cfg === 'string' ? { outcome: cfg } : cfg);
  }

  clearNumber(number: string): void {
    this.numbers.delete(number);
  }

  setProbabilities(p: GatewayProbabilities): void {
    this.probabilities = { ...p };
  }

  getProbabilities(): GatewayProbabilities {
    return { ...this.probabilities };
  }

  configFor(number: string): GatewayNumberConfig {
    return this.numbers.get(number) ?? { outcome: this.engine.rng.pick(this.probabilities) };
  }

  readonly driver: LegDriver = (target, ctx, report) => {
    const e = this.engine;
    const slash = target.indexOf('/');
    const gw = slash >= 0 ? target.slice(0, slash) : target;
    const number = slash >= 0 ? target.slice(slash + 1) : '';
    if (!number || (this.names.size > 0 && !this.names.has(gw))) {
      report({ failed: this.names.size > 0 && !this.names.has(gw) ? 'INVALID_GATEWAY' : 'INVALID_NUMBER_FORMAT' });
      return { cancel: () => undefined };
    }
    const cfg = this.configFor(number);
    const name = `sofia/gateway/${gw}/${number}`;
    const uuid = ctx.uuid ?? e.newUuid();
    const ch = e.createChannel({
      uuid,
      uuidChosen: !!ctx.uuid,
      name,
      direction: 'outbound',
      endpoint: 'gateway',
      profile: {
        dialplan: 'XML',
        callerIdName: ctx.cidName,
        callerIdNumber: ctx.cidNum,
        origCallerIdName: ctx.cidName,
        origCallerIdNumber: ctx.cidNum,
        calleeIdName: 'Outbound Call',
        calleeIdNumber: number,
        ani: ctx.cidNum,
        destinationNumber: number,
        source: 'mod_sofia',
        context: 'default',
      },
      vars: [
        ...ctx.vars,
        ['sip_gateway_name', gw],
        ['gateway_name', gw],
        ...sofiaOutboundVars(name, `sip:${number}@${gw}`, gw, e, 'external'),
      ],
    });
    ch.gatewayNumber = number;
    sofiaInviteSent(ch, e);
    let reported = false;
    const fail = (cause: string): void => {
      if (reported) return;
      reported = true;
      if (ch.isUp) e.hangup(ch, cause);
      report({ failed: cause });
    };
    e.onHangup(ch, (c) => fail(c.hangupCause ?? 'NORMAL_CLEARING'));
    const ringMs = cfg.ringMs ?? (cfg.outcome === 'answer' || cfg.outcome === 'machine' ? e.rng.int(2000, 6000) : e.rng.int(1000, 3000));
    switch (cfg.outcome) {
      case 'invalid':
        e.after(ch, 120, () => fail('UNALLOCATED_NUMBER'));
        break;
      case 'failure':
        e.after(ch, 60, () => fail('NORMAL_TEMPORARY_FAILURE'));
        break;
      case 'busy':
        e.after(ch, 100, () => e.ringReady(ch));
        e.after(ch, ringMs, () => fail('USER_BUSY'));
        break;
      case 'noAnswer':
        // Rings until the originate timeout cancels it with NO_ANSWER.
        e.after(ch, 100, () => e.ringReady(ch));
        e.after(ch, 400, () => e.preAnswer(ch));
        break;
      case 'answer':
      case 'machine':
        e.after(ch, 100, () => e.ringReady(ch));
        e.after(ch, 400, () => e.preAnswer(ch));
        e.after(ch, Math.max(401, ringMs), () => {
          const machine = cfg.outcome === 'machine';
          // What an AMD module would conclude; mod_amd's variables, set at answer so every later event has them.
          ch.vars.set('amd_result', machine ? 'MACHINE' : 'HUMAN');
          ch.vars.set('amd_cause', machine ? 'LONGGREETING' : 'INITIALSILENCE');
          e.answer(ch);
          if (!reported) {
            reported = true;
            report({ answered: ch });
          }
          if (machine) {
            e.after(ch, cfg.beepAfterMs ?? 3000, () => {
              e.emit(ch, 'CUSTOM', SITES.avmd, {
                subclass: 'avmd::beep',
                post: [
                  ['Beep-Status', 'DETECTED'],
                  ['Frequency', '1000.000000'],
                  ['Frequency-variance', '0.000000'],
                  ['Amplitude', '12000.000000'],
                  ['Amplitude-variance', '0.000000'],
                  ['Detection-start-time', String(e.nowUs())],
                  ['Detection-stop-time', String(e.nowUs())],
                  ['Detection-time', '100'],
                  ['Detection-type', 'BEEP'],
                ],
              });
            });
          }
          if (cfg.hangupAfterMs !== undefined) e.after(ch, cfg.hangupAfterMs, () => e.hangup(ch, 'NORMAL_CLEARING'));
        });
        break;
    }
    return { cancel: (cause) => fail(cause) };
  };
}

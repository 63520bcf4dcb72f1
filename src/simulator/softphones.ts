import type { Channel } from './channel';
import type { CallEngine } from './engine';
import { SITES } from './event-bus';
import type { LegContext, LegDriver } from './originate';
import { sofiaInviteSent, sofiaOutboundVars } from './sofia-vars';
import type { SoftphoneBehavior } from './types';

/** An agent's SIP phone registered on the `internal` profile. */
export interface Softphone {
  ext: string;
  registered: boolean;
  behavior: SoftphoneBehavior;
  ip: string;
  port: number;
  callId: string;
  userAgent: string;
  /** Channels this phone is on. */
  calls: Set<string>;
  /** DTMF the phone received from FreeSWITCH (uuid_send_dtmf toward it). */
  heardDtmf: string;
  /** Ringing calls of a manualAnswer phone: picking up answers the oldest. */
  ringing: Map<string, () => void>;
}

/**
 * The softphone population behind `user/<ext>`: registration (CUSTOM sofia::register / sofia::unregister) and how
 * each phone reacts to a call: answer after a delay, reject, busy, or ring forever.
 */
export class Softphones {
  private readonly phones = new Map<string, Softphone>();
  private nextHost = 10;

  constructor(
    private readonly engine: CallEngine,
    readonly domain: string,
  ) {
    engine.destroyListeners.push((ch) => {
      if (ch.softphone) this.phones.get(ch.softphone)?.calls.delete(ch.uuid);
    });
  }

  get(ext: string): Softphone | undefined {
    return this.phones.get(ext);
  }

  list(): Softphone[] {
    return [...this.phones.values()];
  }

  register(ext: string, behavior: SoftphoneBehavior = {}): Softphone {
    let p = this.phones.get(ext);
    if (!p) {
      const host = this.nextHost++;
      p = {
        ext,
        registered: false,
        behavior: {},
        ip: `10.0.${Math.floor(host / 250)}.${(host % 250) + 1}`,
        port: 5060,
        callId: this.engine.newUuid(),
        userAgent: 'SimPhone/1.0',
        calls: new Set(),
        ringing: new Map(),
        heardDtmf: '',
      };
      this.phones.set(ext, p);
    }
    p.behavior = { ...p.behavior, ...behavior };
    p.registered = true;
    const contact = `"${ext}" <sip:${ext}@${p.ip}:${p.port};transport=udp>`;
    this.engine.bus.fire(
      'CUSTOM',
      SITES.sofiaRegister,
      (h) => {
        h.push(
          ['profile-name', 'internal'],
          ['from-user', ext],
          ['from-host', this.domain],
          ['presence-hosts', this.domain],
          ['contact', contact],
          ['call-id', p!.callId],
          ['rpid', 'unknown'],
          ['status', `Registered(UDP)`],
          ['expires', '3600'],
          ['to-user', ext],
          ['to-host', this.domain],
          ['network-ip', p!.ip],
          ['network-port', String(p!.port)],
          ['username', ext],
          ['realm', this.domain],
          ['user-agent', p!.userAgent],
        );
      },
      'sofia::register',
    );
    return p;
  }

  unregister(ext: string): boolean {
    const p = this.phones.get(ext);
    if (!p || !p.registered) return false;
    p.registered = false;
    this.engine.bus.fire(
      'CUSTOM',
      SITES.sofiaUnregister,
      (h) => {
        h.push(
          ['profile-name', 'internal'],
          ['from-user', ext],
          ['from-host', this.domain],
          ['contact', `"${ext}" <sip:${ext}@${p.ip}:${p.port};transport=udp>`],
          ['call-id', p.callId],
          ['rpid', 'unknown'],
          ['expires', '0'],
          ['user-agent', p.userAgent],
        );
      },
      'sofia::unregister',
    );
    return true;
  }

  setBehavior(ext: string, behavior: SoftphoneBehavior): boolean {
    const p = this.phones.get(ext);
    if (!p) return false;
    p.behavior = { ...p.behavior, ...behavior };
    return true;
  }

  /** The agent hangs up (the phone sends BYE / CANCEL). */
  hangup(ext: string, cause = 'NORMAL_CLEARING'): number {
    const p = this.phones.get(ext);
    if (!p) return 0;
    let n = 0;
    for (const uuid of [...p.calls]) {
      const ch = this.engine.get(uuid);
      if (ch?.isUp) {
        this.engine.hangup(ch, cause);
        n++;
      }
    }
    return n;
  }

  /** The user of a manualAnswer phone picks up its oldest ringing call; false when none rings. */
  answer(ext: string): boolean {
    const p = this.phones.get(ext);
    const first = p && [...p.ringing.values()][0];
    if (!first) return false;
    first();
    return true;
  }

  /** The agent presses keys on the phone during its call. */
  pressDigits(ext: string, digits: string): boolean {
    const p = this.phones.get(ext);
    const uuid = p && [...p.calls][0];
    const ch = this.engine.get(uuid);
    if (!ch) return false;
    for (const d of digits) this.engine.receiveDtmf(ch, d, 'RTP');
    return true;
  }

  /** DTMF sent by FreeSWITCH toward a phone. */
  heard(ch: Channel, digits: string): void {
    if (ch.softphone) {
      const p = this.phones.get(ch.softphone);
      if (p) p.heardDtmf += digits;
    }
  }

  /** `user/<ext>[@domain]`. */
  readonly driver: LegDriver = (target, ctx, report) => {
    const ext = target.split('@')[0]!;
    const phone = this.phones.get(ext);
    if (!phone || !phone.registered) {
      // FS resolves user/ to error/user_not_registered: no channel is created at all (see the capture).
      report({ failed: 'USER_NOT_REGISTERED' });
      return { cancel: () => undefined };
    }
    return this.ring(phone, ctx, report);
  };

  private ring(phone: Softphone, ctx: LegContext, report: Parameters<LegDriver>[2]): { cancel(cause: string): void } {
    const e = this.engine;
    const name = `sofia/internal/${phone.ext}@${phone.ip}:${phone.port}`;
    const uuid = ctx.uuid ?? e.newUuid();
    const ch = e.createChannel({
      uuid,
      uuidChosen: !!ctx.uuid,
      name,
      direction: 'outbound',
      endpoint: 'user',
      profile: {
        dialplan: 'XML',
        callerIdName: ctx.cidName,
        callerIdNumber: ctx.cidNum,
        origCallerIdName: ctx.cidName,
        origCallerIdNumber: ctx.cidNum,
        calleeIdName: 'Outbound Call',
        calleeIdNumber: phone.ext,
        ani: ctx.cidNum,
        destinationNumber: phone.ext,
        source: 'mod_sofia',
        context: 'default',
      },
      vars: [
        ...ctx.vars,
        ['dialed_user', phone.ext],
        ['dialed_domain', this.domain],
        ...sofiaOutboundVars(name, `sip:${phone.ext}@${phone.ip}:${phone.port}`, `${phone.ip}:${phone.port}`, e),
      ],
    });
    ch.softphone = phone.ext;
    sofiaInviteSent(ch, e);
    let reported = false;
    const fail = (cause: string): void => {
      if (reported) return;
      reported = true;
      if (ch.isUp) e.hangup(ch, cause);
      report({ failed: cause });
    };
    e.onHangup(ch, (c) => fail(c.hangupCause ?? 'NORMAL_CLEARING'));
    const b = phone.behavior;
    const inCall = [...phone.calls].some((u) => e.get(u)?.isUp);
    phone.calls.add(uuid);
    if (b.busy || (inCall && b.busyWhenInCall !== false)) {
      e.after(ch, 80, () => fail('USER_BUSY'));
    } else {
      e.after(ch, 60, () => e.ringReady(ch));
      if (b.reject) {
        e.after(ch, b.rejectDelayMs ?? 800, () => fail('CALL_REJECTED'));
      } else if (!b.noAnswer) {
        const pickUp = (): void => {
          phone.ringing.delete(uuid);
          if (!ch.isUp) return;
          e.answer(ch);
          if (reported) return;
          reported = true;
          report({ answered: ch });
          if (b.hangupAfterMs !== undefined) e.after(ch, b.hangupAfterMs, () => e.hangup(ch, 'NORMAL_CLEARING'));
        };
        if (b.manualAnswer) {
          phone.ringing.set(uuid, pickUp);
          e.onHangup(ch, () => phone.ringing.delete(uuid));
        } else e.after(ch, Math.max(61, b.answerDelayMs ?? 1000), pickUp);
      }
    }
    return { cancel: (cause) => fail(cause) };
  }
}

import type { Channel } from './channel';
import type { DialplanApp } from './engine';
import type { DidRoute } from './types';

/**
 * The simulated XML dialplan:
 * - context `public` (calls from carriers): the project's inbound extension (dialplans/public/00_switchboard.xml):
 *   any 3-15 digit DID sets switchboard_did / switchboard_inbound / hangup_after_bridge (one multiset) and parks. A DID can be
 *   configured to play a file and hang up, echo, or be rejected instead.
 * - context `default`: enough of FreeSWITCH's stock default.xml for the captures: the "change the default password"
 *   log lines, 9664 (hold music), 9196 (echo), 9180 (ring 20 s, then answer), 1000-1019 (bridge user/<ext>). Other
 *   destinations fall back to the DID rules, so uuid_transfer to a DID re-parks the call.
 * - context `switchboard_drill` (freeswitch-conf/dialplan/switchboard_drill.xml): marks the leg with its
 *   destination (switchboard_drill_phone) and parks it, for the fault drills' phones.
 */

/** The five log actions of the stock default.xml "global" extension (default_password still 1234). */
const PASSWORD_WARNINGS: DialplanApp[] = [
  { app: 'log', data: 'CRIT WARNING WARNING WARNING WARNING WARNING WARNING WARNING WARNING WARNING ' },
  { app: 'log', data: 'CRIT Open /usr/freeswitch/etc/freeswitch/vars.xml and change the default_password.' },
  { app: 'log', data: "CRIT Once changed type 'reloadxml' at the console." },
  { app: 'log', data: 'CRIT WARNING WARNING WARNING WARNING WARNING WARNING WARNING WARNING WARNING ' },
  { app: 'log', data: 'CRIT (sleep 10000 removed on this test box)' },
];

export class Dialplan {
  private readonly dids = new Map<string, DidRoute>();
  /** Emit the stock default-password warnings in context default (as the captured box did). */
  stockWarnings = true;

  setDid(did: string, route: DidRoute): void {
    this.dids.set(did.replace(/^\+/, ''), route);
  }

  clearDid(did: string): void {
    this.dids.delete(did.replace(/^\+/, ''));
  }

  didRoutes(): Record<string, DidRoute> {
    return Object.fromEntries(this.dids);
  }

  route(ch: Channel): DialplanApp[] | undefined {
    const dest = ch.profile.destinationNumber;
    const context = ch.profile.context || 'public';
    if (context === 'default') return this.defaultContext(dest);
    if (context === 'switchboard_drill') return this.drillContext(dest);
    return this.publicContext(dest);
  }

  private defaultContext(dest: string): DialplanApp[] | undefined {
    const pre = this.stockWarnings ? PASSWORD_WARNINGS : [];
    switch (dest) {
      case '9664':
        return [
          ...pre,
          { app: 'answer', data: '' },
          { app: 'playback', data: 'silence_stream://2000' },
          { app: 'playback', data: 'local_stream://moh' },
        ];
      case '9196':
        return [...pre, { app: 'answer', data: '' }, { app: 'echo', data: '' }];
      case '9180':
        return [
          ...pre,
          { app: 'ring_ready', data: '' },
          { app: 'sleep', data: '20000' },
          { app: 'answer', data: '' },
          { app: 'sleep', data: '1000' },
          { app: 'playback', data: 'voicemail/vm-goodbye.wav' },
          { app: 'hangup', data: '' },
        ];
      default:
        if (/^10[01][0-9]$/.test(dest)) {
          return [
            ...pre,
            { app: 'set', data: 'hangup_after_bridge=true' },
            { app: 'set', data: 'continue_on_fail=true' },
            { app: 'bridge', data: `user/${dest}` },
          ];
        }
        return this.publicContext(dest);
    }
  }

  /** freeswitch-conf/dialplan/switchboard_drill.xml: the fault drills' phones, marked and parked. */
  private drillContext(dest: string): DialplanApp[] | undefined {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(dest)) return undefined;
    return [
      { app: 'set', data: `switchboard_drill_phone=${dest}` },
      { app: 'park', data: '' },
    ];
  }

  private publicContext(dest: string): DialplanApp[] | undefined {
    const m = /^\+?(\d{3,15})$/.exec(dest);
    if (!m) return undefined;
    const did = m[1]!;
    const route = this.dids.get(did) ?? { action: 'park' };
    const apps: DialplanApp[] = [{ app: 'multiset', data: `switchboard_did=${did} switchboard_inbound=true hangup_after_bridge=true` }];
    for (const [k, v] of Object.entries(route.variables ?? {})) apps.push({ app: 'set', data: `${k}=${v}` });
    if (route.answer && route.action === 'park') apps.push({ app: 'answer', data: '' });
    switch (route.action) {
      case 'park':
        apps.push({ app: 'park', data: '' });
        break;
      case 'playback':
        apps.push(
          { app: 'answer', data: '' },
          { app: 'playback', data: route.file ?? 'ivr/ivr-welcome.wav' },
          { app: 'hangup', data: '' },
        );
        break;
      case 'echo':
        apps.push({ app: 'answer', data: '' }, { app: 'echo', data: '' });
        break;
      case 'hangup':
        apps.push({ app: 'hangup', data: route.cause ?? 'CALL_REJECTED' });
        break;
    }
    return apps;
  }
}

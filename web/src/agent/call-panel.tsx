/**
 * The live call: timer, hold / unhold, mute / unmute, transfer and 3-way (TransferPanel), complete / cancel an
 * attended transfer, "Mask" (pause the recording while the caller gives a card number; no DTMF needed), hang up, and
 * the screen pop. The mute button shows the call's `muted` as call control reports it (FreeSWITCH's uuid_audio on the
 * agent's leg), never a local guess.
 */
import { useState } from 'react';
import { ProblemMessage } from '../components/problem';
import { post } from '../lib/api';
import { since } from '../lib/format';
import { useAction, useHotkeys, useNow } from '../lib/hooks';
import { CallTicket, profileIdOf } from '../tickets/call-ticket';
import { ScreenPopView } from './screen-pop';
import { TransferPanel } from './transfer';
import type { AcdMe, MyCall, ScreenPop } from './types';

export function CallPanel({ me, pop, call, onChanged }: { me: AcdMe; pop: ScreenPop | null; call: MyCall | null; onChanged: () => void }) {
  const now = useNow();
  const [transferOpen, setTransferOpen] = useState(false);
  const [masked, setMasked] = useState(false);
  const act = useAction(async (path: string) => {
    await post(path);
    onChanged();
  });
  const mask = useAction(async (pause: boolean) => {
    await post(`/api/v1/acd/me/call/recording/${pause ? 'pause' : 'resume'}`);
    setMasked(pause);
  });

  const startedAt = me.call?.connected_at ?? (me.state?.state === 'on_call' ? me.state.since : null);
  const held = call?.held ?? false;
  const consulting = call?.mode === 'consulting';
  const muted = call?.muted ?? false;
  const toggleHold = () => void act.run(held ? '/api/v1/acd/me/call/unhold' : '/api/v1/acd/me/call/hold');
  const toggleMute = () => void act.run(muted ? '/api/v1/acd/me/call/unmute' : '/api/v1/acd/me/call/mute');
  const hangup = () => void act.run('/api/v1/acd/me/call/hangup');
  useHotkeys({
    h: call && !act.busy && !consulting ? toggleHold : undefined,
    m: call && !act.busy ? toggleMute : undefined,
    x: !act.busy ? hangup : undefined,
  });

  return (
    <section className="panel call-panel" aria-labelledby="call-h">
      <div className="row">
        <h2 id="call-h">
          {call?.source === 'outbound' ? 'Outbound call' : call?.source === 'transfer' ? 'Transferred call' : 'Call'}
          {call?.queue || me.call?.queue ? <span className="muted"> · {call?.queue ?? me.call?.queue}</span> : null}
        </h2>
        <span className="call-timer big" data-testid="call-timer" title="call time">
          {since(startedAt, now)}
        </span>
        {held && <span className="pill warn">on hold</span>}
        {muted && <span className="pill bad">muted</span>}
        {consulting && <span className="pill on_call">consulting the transfer target</span>}
        {call?.mode === 'conference' && <span className="pill on_call">3-way</span>}
        {masked && <span className="pill bad">recording masked</span>}
      </div>
      <div className="row call-controls">
        <button type="button" aria-pressed={held} disabled={!call || act.busy || consulting} onClick={toggleHold} aria-keyshortcuts="Alt+H">
          {held ? 'Unhold' : 'Hold'} <kbd>Alt+H</kbd>
        </button>
        <button
          type="button"
          aria-pressed={muted}
          disabled={!call || act.busy}
          onClick={toggleMute}
          aria-keyshortcuts="Alt+M"
          title={muted ? 'the others do not hear you; you still hear them' : 'stop the others hearing you'}
        >
          {muted ? 'Unmute' : 'Mute'} <kbd>Alt+M</kbd>
        </button>
        {consulting ? (
          <>
            <button type="button" className="primary" disabled={act.busy} onClick={() => void act.run('/api/v1/acd/me/call/transfer/complete')}>
              Complete transfer
            </button>
            <button type="button" disabled={act.busy} onClick={() => void act.run('/api/v1/acd/me/call/transfer/cancel')}>
              Cancel transfer
            </button>
          </>
        ) : (
          <button type="button" aria-expanded={transferOpen} disabled={!call} onClick={() => setTransferOpen((o) => !o)}>
            Transfer / 3-way…
          </button>
        )}
        <button type="button" aria-pressed={masked} disabled={mask.busy} onClick={() => void mask.run(!masked)} title="pause the recording while the caller gives sensitive data">
          {masked ? 'Unmask (resume recording)' : 'Mask (pause recording)'}
        </button>
        <button type="button" className="danger" disabled={act.busy} onClick={hangup} aria-keyshortcuts="Alt+X">
          Hang up <kbd>Alt+X</kbd>
        </button>
      </div>
      <ProblemMessage error={act.error} onDismiss={act.clear} />
      <ProblemMessage error={mask.error} onDismiss={mask.clear} />
      {transferOpen && call && !consulting && (
        <TransferPanel
          myAgentId={me.agent.id}
          onClose={() => setTransferOpen(false)}
          onDone={() => {
            setTransferOpen(false);
            onChanged();
          }}
        />
      )}
      <CallTicket
        prefill={{
          callerNumber: pop?.caller_number ?? null,
          callUuid: call?.caller_uuid ?? me.call?.call_id ?? null,
          profileId: profileIdOf(pop?.data),
          fromCurrentCall: !call?.caller_uuid && !me.call?.call_id,
        }}
      />
      {pop ? <ScreenPopView pop={pop} /> : <p className="muted">No screen pop for this call.</p>}
    </section>
  );
}

/**
 * The ringing banner: shown while the agent's softphone rings for a call (state reserved), with the screen pop of
 * the offer. The agent answers on the phone itself; the banner only tells them who is calling. aria-live so a
 * screen reader announces it.
 */
import { useNow } from '../lib/hooks';
import { duration } from '../lib/format';
import { CallerHeadline, ScreenPopView } from './screen-pop';
import type { OfferMessage } from './types';

export function RingingBanner({ offer, receivedAt }: { offer: OfferMessage | null; receivedAt: number }) {
  const now = useNow(500);
  const left = offer ? offer.timeout_sec * 1000 - (now - receivedAt) : null;
  return (
    <section className="banner-ringing" role="alert" aria-live="assertive" data-testid="ringing-banner" aria-label="Incoming call">
      <div className="row">
        <strong className="ring-title">Incoming call, answer on your phone</strong>
        {left !== null && <span className="ring-left">rings for {duration(Math.max(0, left))} more</span>}
      </div>
      {offer ? (
        <>
          <CallerHeadline pop={offer.screen_pop} />
          <details className="ring-pop" open>
            <summary>Screen pop</summary>
            <ScreenPopView pop={offer.screen_pop} headline={false} />
          </details>
        </>
      ) : (
        <p>Your phone is ringing.</p>
      )}
    </section>
  );
}

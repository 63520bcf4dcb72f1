import { parseCampaignSettings } from '../../src/dialer/campaign-settings';
import { FollowupService } from '../../src/followups/service';

describe('the agentless campaign flow setting', () => {
  it('takes an IVR flow name and refuses anything else', () => {
    expect(parseCampaignSettings(JSON.stringify({ flow: 'survey' })).settings.flow).toBe('survey');
    expect(parseCampaignSettings('{}').settings.flow).toBeUndefined();
    const bad = parseCampaignSettings(JSON.stringify({ flow: 'survey; hangup' }));
    expect(bad.error).toMatch(/flow: must be an IVR flow name/);
    expect(bad.settings.flow).toBeUndefined();
  });
});

describe('follow-up channel variables', () => {
  it('come from the lead fields the follow-up wrote, digits only', () => {
    expect(FollowupService.dialVariables({ fields: JSON.stringify({ ticket_id: '12', followup_id: '34' }) })).toEqual({ switchboard_ticket_id: '12', switchboard_followup_id: '34' });
    expect(FollowupService.dialVariables({ fields: JSON.stringify({ ticket_id: '12}${system(x)}', followup_id: 34 }) })).toEqual({});
    expect(FollowupService.dialVariables({ fields: 'not json' })).toEqual({});
  });

  it("credit the survey to the ticket call's queue and agent only when they are a queue name and an id", () => {
    expect(FollowupService.dialVariables({ fields: JSON.stringify({ ticket_id: '1', csat_queue: 'rides', csat_agent_id: '77' }) })).toEqual({
      switchboard_ticket_id: '1',
      switchboard_csat_queue: 'rides',
      switchboard_csat_agent_id: '77',
    });
    expect(FollowupService.dialVariables({ fields: JSON.stringify({ csat_queue: "rides',hangup_after_bridge=false}", csat_agent_id: '7 7' }) })).toEqual({});
    // Never the queue call itself: an instance taking over would read the follow-up call as a queued caller.
    expect(Object.keys(FollowupService.dialVariables({ fields: JSON.stringify({ queue_call: 'x', switchboard_queue_call: 'x' }) }))).toEqual([]);
  });
});

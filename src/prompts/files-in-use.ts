/**
 * Every sound file the service may play now: the live IVR flows, the queues' music on hold, the ACD announcements
 * (with the number words), and the campaigns' messages (with the defaults a new campaign gets). The start-up check
 * and `npm run fs:check` ask FreeSWITCH for exactly these.
 */
import type { AcdConfigStoreImpl } from '../acd/config-store';
import { announcementFiles, type AcdPrompts } from '../acd/runtime';
import { parseCampaignSettings } from '../dialer/campaign-settings';
import type { LeadStore } from '../dialer/leads/store';
import type { IvrStore } from '../ivr/store';
import { flowFiles } from './startup-check';

export interface FilesInUseSources {
  ivrStore: IvrStore;
  acdConfig: Pick<AcdConfigStoreImpl, 'listQueues'>;
  campaigns: Pick<LeadStore, 'listCampaigns'>;
  promptsDir: string;
  acdPrompts: AcdPrompts;
}

export async function promptFilesInUse(o: FilesInUseSources): Promise<string[]> {
  const flows = (await o.ivrStore.listFlows()).map((f) => o.ivrStore.liveFlow(f.name)?.document);
  const messages = (await o.campaigns.listCampaigns()).flatMap((c) => {
    const s = parseCampaignSettings(c.settings, o.promptsDir).settings;
    return [s.abandon_message, s.machine_message, s.message];
  });
  const defaults = parseCampaignSettings('{}', o.promptsDir).settings;
  return [
    ...flows.flatMap((d) => (d ? flowFiles(d) : [])),
    ...o.acdConfig.listQueues().map((q) => q.config.mohSound),
    ...announcementFiles(o.acdPrompts),
    ...messages,
    defaults.abandon_message,
    defaults.machine_message,
    defaults.message,
  ];
}

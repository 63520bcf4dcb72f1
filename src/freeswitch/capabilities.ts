/**
 * What each FreeSWITCH node can do beyond a stock build, probed at every connection with `module_exists`. Today:
 * answering-machine detection. mod_amd (the `amd` application) is a third-party module, not part of FreeSWITCH
 * 1.10; mod_avmd (beep detection) is. Without mod_amd, `execute amd` makes FreeSWITCH log "Invalid Application amd"
 * and hang the channel up (DESTINATION_OUT_OF_ORDER): a person who answered would be hung up on. Callers ask here
 * first and fall back instead.
 */
import type { Logger } from '../log/logger';
import { moduleExists } from './api';
import type { NodeApiCluster } from './cluster';

/**
 * How a node can tell machines from people: `amd` (mod_amd), `beep_only` (mod_avmd: a voicemail beep marks a
 * machine, nothing marks a person), `none`.
 */
export type AmdSupport = 'amd' | 'beep_only' | 'none';

export interface NodeCapabilities {
  amd: AmdSupport;
  modules: Record<string, boolean>;
}

const PROBED = ['mod_amd', 'mod_avmd'] as const;

export class NodeCapabilityProbe {
  private readonly known = new Map<string, NodeCapabilities>();
  private readonly off: () => void;
  private readonly log: Logger;

  constructor(
    private readonly cluster: NodeApiCluster,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'freeswitch' });
    this.off = cluster.onStatus((node, status) => {
      this.known.delete(node);
      if (status === 'ready') void this.probe(node);
    });
  }

  /** The node's capabilities, once probed on its current connection. */
  get(node: string): NodeCapabilities | undefined {
    return this.known.get(node);
  }

  async probe(node: string): Promise<NodeCapabilities | undefined> {
    const modules: Record<string, boolean> = {};
    try {
      for (const m of PROBED) modules[m] = (await this.cluster.client(node).api(moduleExists(m))).body.trim() === 'true';
    } catch (err) {
      this.log.warn('could not probe the modules of a node', { node, error: (err as Error).message });
      return undefined;
    }
    const caps: NodeCapabilities = { amd: modules.mod_amd ? 'amd' : modules.mod_avmd ? 'beep_only' : 'none', modules };
    this.known.set(node, caps);
    if (caps.amd !== 'amd') {
      this.log.warn(
        caps.amd === 'beep_only'
          ? 'mod_amd is not loaded: campaigns with AMD use beep detection only (mod_avmd); every answer is treated as a person unless a beep is heard'
          : 'neither mod_amd nor mod_avmd is loaded: campaigns run with AMD off (every answer is treated as a person)',
        { node, modules },
      );
    }
    return caps;
  }

  close(): void {
    this.off();
  }
}

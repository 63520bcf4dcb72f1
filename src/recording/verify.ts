/**
 * Integrity of recording files. Before a file is served (and on POST .../verify) it is re-hashed and compared with the
 * sha256 stored when the recording finished: a different hash marks the row `tampered` and the file is not served; a
 * missing file marks the row `missing`. A file that was already verified and has not changed since (same inode, size
 * and mtime) is not hashed again on every range request of a player.
 */
import fs from 'node:fs';
import type { Clock } from '../clock/clock';
import type { RecordingRow } from '../db/entities/recording';
import type { Logger } from '../log/logger';
import { readFinishedFile, RecordingFileError, resolveRecordingFile, sha256File } from './files';
import type { RecordingStore } from './store';

export type VerifyResult =
  | { state: 'ok'; real: string; size: number; sha256: string }
  | { state: 'tampered'; expected: string; actual: string }
  | { state: 'missing'; outside?: boolean }
  | { state: 'purged' }
  | { state: 'recording' };

const MAX_CACHE = 10_000;

export class RecordingVerifier {
  private readonly verified = new Map<string, string>();

  constructor(
    private readonly store: RecordingStore,
    private readonly dir: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async check(row: RecordingRow, opts: { force?: boolean } = {}): Promise<VerifyResult> {
    if (row.status === 'purged') return { state: 'purged' };
    if (row.status === 'recording') return { state: 'recording' };
    let real: string;
    try {
      real = await resolveRecordingFile(this.dir, row.file_path);
    } catch (err) {
      const outside = err instanceof RecordingFileError && err.problem === 'outside';
      if (outside) this.logger.error('recording row points outside the recordings directory; refused', { id: row.id, path: row.file_path });
      else if (row.status !== 'missing') await this.mark(row.id, { status: 'missing' });
      this.verified.delete(row.id);
      return { state: 'missing', ...(outside ? { outside } : {}) };
    }
    const st = await fs.promises.stat(real);
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (!opts.force && row.sha256 && row.integrity === 'ok' && this.verified.get(row.id) === key) {
      return { state: 'ok', real, size: st.size, sha256: row.sha256 };
    }
    if (!row.sha256) {
      // The file showed up after the recording was marked missing (slow shared storage): adopt it now.
      const file = await readFinishedFile(this.dir, row.file_path, { tries: 1, delayMs: 0, clock: this.clock });
      if (!file) return { state: 'missing' };
      await this.mark(row.id, { status: 'finished', sha256: file.sha256, bytes: file.bytes, integrity: 'ok', ...(file.wav ? { channels: file.wav.channels } : {}) });
      this.remember(row.id, key);
      return { state: 'ok', real, size: file.bytes, sha256: file.sha256 };
    }
    const { sha256 } = await sha256File(real);
    if (sha256 !== row.sha256) {
      this.verified.delete(row.id);
      if (row.integrity !== 'tampered') this.logger.warn('recording file does not match its sha256', { id: row.id, path: row.file_path });
      await this.mark(row.id, { integrity: 'tampered', ...(row.status === 'missing' ? { status: 'finished' as const } : {}) });
      return { state: 'tampered', expected: row.sha256, actual: sha256 };
    }
    await this.mark(row.id, { integrity: 'ok', ...(row.status === 'missing' ? { status: 'finished' as const } : {}) });
    this.remember(row.id, key);
    return { state: 'ok', real, size: st.size, sha256 };
  }

  private remember(id: string, key: string): void {
    this.verified.delete(id);
    this.verified.set(id, key);
    if (this.verified.size > MAX_CACHE) this.verified.delete(this.verified.keys().next().value!);
  }

  private async mark(id: string, patch: Partial<RecordingRow>): Promise<void> {
    const at = new Date(this.clock.now());
    await this.store.update(id, { ...patch, verified_at: at, updated_at: at });
  }
}

import type { DataSource } from 'typeorm';
import { DncNumberSchema, type DncNumberRow } from '../../db/entities/dialer';
import { isUniqueViolation } from '../../auth/errors';

/**
 * Do-not-call lists: one global list (campaign_id null) and one per campaign. The dialer runtime calls isDnc() right
 * before every dial (not only at import: numbers are added to the lists while campaigns run).
 */

export class DncConflictError extends Error {}

export class DncStore {
  constructor(
    private readonly ds: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Is the E.164 number on the global list or on the campaign's list? */
  async isDnc(phoneE164: string, campaignId: number | null): Promise<boolean> {
    const rows = await this.ds
      .getRepository(DncNumberSchema)
      .createQueryBuilder('d')
      .select('d.id')
      .where('d.phone_e164 = :phone AND d.scope IN (:...scopes)', { phone: phoneE164, scopes: campaignId === null ? [0] : [0, campaignId] })
      .limit(1)
      .getMany();
    return rows.length > 0;
  }

  async add(phoneE164: string, campaignId: number | null, reason: string): Promise<DncNumberRow> {
    try {
      return await this.ds.getRepository(DncNumberSchema).save({ phone_e164: phoneE164, campaign_id: campaignId, scope: campaignId ?? 0, reason, created_at: this.now() });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DncConflictError(`${phoneE164} is already on the ${campaignId === null ? 'global' : `campaign ${campaignId}`} do-not-call list`);
      throw err;
    }
  }

  /** Removes the number from one list; the removed row, or null when it was not there. */
  async remove(phoneE164: string, campaignId: number | null): Promise<DncNumberRow | null> {
    const repo = this.ds.getRepository(DncNumberSchema);
    const row = await repo.findOneBy({ phone_e164: phoneE164, scope: campaignId ?? 0 });
    if (!row) return null;
    await repo.delete({ id: row.id });
    return row;
  }

  /** One list (campaignId null: the global one), or every list when campaignId is undefined; paged by id. */
  list(campaignId: number | null | undefined, afterId = 0, limit = 100): Promise<DncNumberRow[]> {
    const qb = this.ds.getRepository(DncNumberSchema).createQueryBuilder('d').where('d.id > :afterId', { afterId });
    if (campaignId !== undefined) qb.andWhere('d.scope = :scope', { scope: campaignId ?? 0 });
    return qb.orderBy('d.id', 'ASC').limit(limit).getMany();
  }
}

/** For the dialer runtime: is this number barred from being dialed for the campaign? */
export function isDnc(ds: DataSource, phoneE164: string, campaignId: number | null): Promise<boolean> {
  return new DncStore(ds).isDnc(phoneE164, campaignId);
}

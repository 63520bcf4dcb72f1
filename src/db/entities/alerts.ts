import { EntitySchema } from 'typeorm';
import { bigintToNumber, timestamp } from './columns';

/** KPI alerts (src/alerts): the rules, the alerts they opened, and each alert's timeline. */

export type AlertState = 'open' | 'closed';
export type AlertEventKind = 'opened' | 'worse' | 'acknowledged' | 'closed';

export interface AlertRuleRow {
  id: number;
  name: string;
  enabled: boolean;
  /** The rule as validated by src/alerts/rules.ts (JSON text). */
  definition: string;
  created_at: Date;
  updated_at: Date;
}

export interface AlertRow {
  id: number;
  rule_id: number;
  rule_name: string;
  scope: string;
  metric: string;
  state: AlertState;
  opened_at: Date;
  closed_at: Date | null;
  worst_value: number;
  last_value: number | null;
  acknowledged_by: number | null;
  acknowledged_by_name: string | null;
  acknowledged_at: Date | null;
}

export interface AlertEventRow {
  id: number;
  alert_id: number;
  at: Date;
  kind: AlertEventKind;
  value: number | null;
  actor_name: string | null;
}

export const AlertRuleSchema = new EntitySchema<AlertRuleRow>({
  name: 'AlertRule',
  tableName: 'alert_rules',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { type: 'varchar', length: 128 },
    enabled: { type: 'boolean' },
    definition: { type: 'text' },
    created_at: timestamp(),
    updated_at: timestamp(),
  },
});

export const AlertSchema = new EntitySchema<AlertRow>({
  name: 'Alert',
  tableName: 'alerts',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    rule_id: { type: 'int' },
    rule_name: { type: 'varchar', length: 128 },
    scope: { type: 'varchar', length: 160 },
    metric: { type: 'varchar', length: 32 },
    state: { type: 'varchar', length: 8 },
    opened_at: timestamp(),
    closed_at: timestamp({ nullable: true }),
    worst_value: { type: 'double' },
    last_value: { type: 'double', nullable: true },
    acknowledged_by: { type: 'int', nullable: true },
    acknowledged_by_name: { type: 'varchar', length: 128, nullable: true },
    acknowledged_at: timestamp({ nullable: true }),
  },
  indices: [
    { name: 'idx_alerts_state_opened', columns: ['state', 'opened_at'] },
    { name: 'idx_alerts_rule', columns: ['rule_id', 'opened_at'] },
  ],
});

export const AlertEventSchema = new EntitySchema<AlertEventRow>({
  name: 'AlertEvent',
  tableName: 'alert_events',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment', transformer: bigintToNumber },
    alert_id: { type: 'int' },
    at: timestamp(),
    kind: { type: 'varchar', length: 16 },
    value: { type: 'double', nullable: true },
    actor_name: { type: 'varchar', length: 128, nullable: true },
  },
  indices: [{ name: 'idx_alert_events_alert', columns: ['alert_id', 'id'] }],
});

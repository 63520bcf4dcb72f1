import { ApiKeySchema } from './api-key';
import { AuditLogSchema } from './audit-log';
import { CdrSchema } from './cdr';
import { UserSchema } from './user';
import { IvrCallSchema, IvrDidBindingSchema, IvrFlowSchema, VoicemailSchema } from './ivr';
import { DialplanVersionSchema } from './dialplan-version';
import { SipAccountSchema } from './sip-account';
import { AcdAgentSchema, AcdQueueSchema } from './acd-config';
import { AcdAgentStateLogSchema, AcdOfferLogSchema, AcdQueueCallSchema } from './acd-history';

export { ApiKeySchema, type ApiKeyRow } from './api-key';
export { AuditLogSchema, type AuditActorType, type AuditLogRow } from './audit-log';
export { CDR_LIMITS, CdrSchema, type CdrDirection, type CdrRow } from './cdr';
export { sqlDateTime } from './columns';
export { UserSchema, type Role, type UserRow } from './user';
export { IVR_LIMITS, IvrCallSchema, IvrDidBindingSchema, IvrFlowSchema, VoicemailSchema, type IvrCallRow, type IvrDidBindingRow, type IvrFlowRow, type VoicemailRow } from './ivr';
export { DIALPLAN_LIMITS, DialplanVersionSchema, type DialplanVersionRow } from './dialplan-version';
export { SIP_ACCOUNT_LIMITS, SipAccountSchema, type SipAccountRow } from './sip-account';
export {
  ACD_HISTORY_LIMITS,
  AcdAgentStateLogSchema,
  AcdOfferLogSchema,
  AcdQueueCallSchema,
  type AcdAgentStateLogRow,
  type AcdOfferLogRow,
  type AcdOfferResult,
  type AcdQueueCallOutcome,
  type AcdQueueCallRow,
} from './acd-history';
export { ACD_CONFIG_LIMITS, AcdAgentSchema, AcdQueueSchema, type AcdAgentRow, type AcdQueueRow } from './acd-config';

/** Every entity, for the DataSource. */
export const allEntities = [UserSchema, ApiKeySchema, CdrSchema, AuditLogSchema, IvrFlowSchema, IvrDidBindingSchema, IvrCallSchema, VoicemailSchema, DialplanVersionSchema, SipAccountSchema, AcdQueueSchema, AcdAgentSchema, AcdQueueCallSchema, AcdAgentStateLogSchema, AcdOfferLogSchema];
import { RecordingPolicySchema, RecordingRetentionClassSchema, RecordingSchema, SupervisorTeamSchema } from './recording';
export {
  RECORDING_LIMITS,
  RecordingPolicySchema,
  RecordingRetentionClassSchema,
  RecordingSchema,
  SupervisorTeamSchema,
  type PauseSegment,
  type RecordingIntegrity,
  type RecordingMode,
  type RecordingPolicyRow,
  type RecordingPolicyScope,
  type RecordingRetentionClassRow,
  type RecordingRow,
  type RecordingStatus,
  type SupervisorTeamRow,
} from './recording';
(allEntities as unknown[]).push(RecordingSchema, RecordingPolicySchema, RecordingRetentionClassSchema, SupervisorTeamSchema);
import { SupervisionSessionSchema, SupervisorSchema } from './supervision';
export { SUPERVISION_LIMITS, SupervisionSessionSchema, SupervisorSchema, type SupervisionSessionOutcome, type SupervisionSessionRow, type SupervisorRow } from './supervision';
(allEntities as unknown[]).push(SupervisorSchema, SupervisionSessionSchema);
import { CallbackRequestSchema, CampaignSchema, DncNumberSchema, LeadSchema, LedgerSchema } from './dialer';
export { CAMPAIGN_TYPES, DIALER_LIMITS, CallbackRequestSchema, CampaignSchema, DncNumberSchema, LeadSchema, LedgerSchema, type CallbackRequestRow, type CampaignRow, type CampaignType, type DncNumberRow, type LeadRow, type LeadStatus, type LedgerRow, type LedgerAction } from './dialer';
(allEntities as unknown[]).push(CampaignSchema, LeadSchema, DncNumberSchema, LedgerSchema, CallbackRequestSchema);
import { AcdAgentSessionSchema } from './acd-session';
export { ACD_SESSION_LIMITS, AcdAgentSessionSchema, type AcdAgentSessionRow } from './acd-session';
(allEntities as unknown[]).push(AcdAgentSessionSchema);
import { TicketCategorySchema, TicketCommentSchema, TicketEventSchema, TicketSchema } from './tickets';
export * from './tickets';
(allEntities as unknown[]).push(TicketCategorySchema, TicketSchema, TicketCommentSchema, TicketEventSchema);
import { WebhookDeliveryAttemptSchema, WebhookDeliverySchema, WebhookEndpointSchema } from './webhooks';
export * from './webhooks';
(allEntities as unknown[]).push(WebhookEndpointSchema, WebhookDeliverySchema, WebhookDeliveryAttemptSchema);
import { CallerProfileSchema } from './caller-profile';
export { PROFILE_LIMITS, CallerProfileSchema, type CallerProfileRow } from './caller-profile';
(allEntities as unknown[]).push(CallerProfileSchema);
import { CsatAnswerSchema } from './csat';
export * from './csat';
(allEntities as unknown[]).push(CsatAnswerSchema);
import { TicketFollowupSchema } from './followups';
export * from './followups';
(allEntities as unknown[]).push(TicketFollowupSchema);
import { AlertEventSchema, AlertRuleSchema, AlertSchema } from './alerts';
export * from './alerts';
(allEntities as unknown[]).push(AlertRuleSchema, AlertSchema, AlertEventSchema);

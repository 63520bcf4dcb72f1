import { InitialSchema1767225600000 } from './1767225600000-initial-schema';
import { IvrSchema1767312000000 } from './1767312000000-ivr';
import { DialplansSipAccounts1767398400000 } from './1767398400000-dialplans-sip-accounts';
import { AcdConfig1767571200000 } from './1767571200000-acd-config';
import { AcdHistory1767484800000 } from './1767484800000-acd-history';

/**
 * Every migration, oldest first. Listed explicitly (no glob): the same list works under tsx, jest and a build.
 * A new migration is a class here with a later timestamp; it must handle both dialects (see dialect.ts).
 */
export const allMigrations = [InitialSchema1767225600000, IvrSchema1767312000000, DialplansSipAccounts1767398400000, AcdHistory1767484800000, AcdConfig1767571200000];
import { Recordings1767657600000 } from './1767657600000-recordings';
allMigrations.push(Recordings1767657600000);
import { Supervision1767744000000 } from './1767744000000-supervision';
allMigrations.push(Supervision1767744000000);
import { DialerLeads1767830400000 } from './1767830400000-dialer-leads';
allMigrations.push(DialerLeads1767830400000);
import { DialerRuntime1767916800000 } from './1767916800000-dialer-runtime';
allMigrations.push(DialerRuntime1767916800000);
import { AcdAgentSessions1768010400000 } from './1768010400000-acd-agent-sessions';
allMigrations.push(AcdAgentSessions1768010400000);
import { HaLeases1768100000000 } from './1768100000000-ha-leases';
allMigrations.push(HaLeases1768100000000);
import { CallerProfiles1768200000000 } from './1768200000000-caller-profiles';
allMigrations.push(CallerProfiles1768200000000);
import { Tickets1768300000000 } from './1768300000000-tickets';
allMigrations.push(Tickets1768300000000);
import { Csat1768400000000 } from './1768400000000-csat';
allMigrations.push(Csat1768400000000);
import { Followups1768500000000 } from './1768500000000-followups';
allMigrations.push(Followups1768500000000);
import { Alerts1768600000000 } from './1768600000000-alerts';
allMigrations.push(Alerts1768600000000);
import { ReportIndexes1768700000000 } from './1768700000000-report-indexes';
allMigrations.push(ReportIndexes1768700000000);
import { ReportRollup1768800000000 } from './1768800000000-report-rollup';
allMigrations.push(ReportRollup1768800000000);
import { ReportHandling1769000000000 } from './1769000000000-report-handling';
allMigrations.push(ReportHandling1769000000000);

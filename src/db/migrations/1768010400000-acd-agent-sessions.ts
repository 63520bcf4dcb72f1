import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements } from './dialect';

/**
 * acd_agent_sessions: the live session of each logged-in ACD agent (state, not-ready reason, the queue of their call,
 * since when), written as the engine changes it and read at start-up, so a restart does not log every agent out
 * (src/acd/agent-sessions.ts). Deleting an agent deletes its session.
 */
export class AcdAgentSessions1768010400000 implements MigrationInterface {
  name = 'AcdAgentSessions1768010400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE acd_agent_sessions (
          agent_id INT NOT NULL,
          state VARCHAR(16) NOT NULL,
          reason VARCHAR(64) NULL,
          queue VARCHAR(64) NULL,
          since DATETIME(3) NOT NULL,
          updated_at DATETIME(3) NOT NULL,
          PRIMARY KEY (agent_id),
          CONSTRAINT fk_acd_agent_sessions_agent FOREIGN KEY (agent_id) REFERENCES acd_agents (id) ON DELETE CASCADE
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
      ],
      sqlite: [
        `CREATE TABLE "acd_agent_sessions" (
          "agent_id" integer PRIMARY KEY NOT NULL REFERENCES "acd_agents" ("id") ON DELETE CASCADE,
          "state" varchar(16) NOT NULL,
          "reason" varchar(64),
          "queue" varchar(64),
          "since" datetime NOT NULL,
          "updated_at" datetime NOT NULL
        )`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: ['DROP TABLE acd_agent_sessions'],
      sqlite: ['DROP TABLE "acd_agent_sessions"'],
    });
  }
}

/**
 * Creates an admin user (or, with --reset, sets an existing user's password and makes them an enabled admin).
 *
 *   npx tsx scripts/create-admin.ts --username alice [--display-name "Alice A."] [--reset]
 *
 * The password comes from ADMIN_PASSWORD, or is read from standard input: typed twice without echo on a
 * terminal, or the first line of piped input. Database settings come from the usual environment (DATABASE_URL,
 * DATA_DIR). There is no default password.
 */
import { loadConfig } from '../src/config/config';
import { openDatabase } from '../src/db/data-source';
import { recordAudit } from '../src/db/audit';
import { createLogger } from '../src/log/logger';
import { passwordProblem } from '../src/auth/password';
import { toPublicUser, usernameProblem, UserService } from '../src/auth/users';

interface Args {
  username?: string;
  displayName?: string;
  reset: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { reset: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--username' || a.startsWith('--username=')) args.username = value();
    else if (a === '--display-name' || a.startsWith('--display-name=')) args.displayName = value();
    else if (a === '--reset') args.reset = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npx tsx scripts/create-admin.ts --username NAME [--display-name NAME] [--reset]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** Reads one line from a terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let buf = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') buf = [...buf].slice(0, -1).join('');
        else buf += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPipedLine(): Promise<string> {
  let data = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) {
    data += chunk as string;
    if (data.includes('\n')) break;
  }
  return data.split(/\r?\n/)[0] ?? '';
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env.ADMIN_PASSWORD;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) {
    const first = await promptHidden('Password (at least 12 characters): ');
    const second = await promptHidden('Repeat password: ');
    if (first !== second) throw new Error('the passwords do not match');
    return first;
  }
  return readPipedLine();
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.username) throw new Error('--username is required');
  const uProblem = usernameProblem(args.username);
  if (uProblem) throw new Error(`username ${uProblem}`);
  const password = await readPassword();
  const pProblem = passwordProblem(password);
  if (pProblem) throw new Error(`password ${pProblem}`);

  // The admin's credentials are not part of the service config here: ADMIN_PASSWORD may be set for this script alone.
  const env = { ...process.env, ADMIN_USERNAME: undefined, ADMIN_PASSWORD: undefined };
  const config = loadConfig(env);
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const ds = await openDatabase(config.database, { logger });
  try {
    const users = new UserService(ds);
    const existing = await users.findByUsername(args.username);
    if (existing && !args.reset) throw new Error(`user "${existing.username}" already exists; pass --reset to set their password and make them an enabled admin`);
    if (existing) {
      const before = toPublicUser(existing);
      await users.setPassword(existing.id, password);
      const { after } = await users.update(existing.id, { role: 'admin', disabled: false, ...(args.displayName ? { display_name: args.displayName } : {}) });
      await recordAudit(ds, {
        actor_type: 'system',
        actor_id: null,
        actor_name: 'create-admin',
        action: 'user.update',
        target_type: 'user',
        target_id: String(existing.id),
        before,
        after: { ...after, password_changed: true },
        ip: null,
      });
      process.stdout.write(`reset "${after.username}": password set, role admin, enabled\n`);
    } else {
      const user = await users.create({ username: args.username, password, role: 'admin', display_name: args.displayName ?? null });
      await recordAudit(ds, {
        actor_type: 'system',
        actor_id: null,
        actor_name: 'create-admin',
        action: 'user.create',
        target_type: 'user',
        target_id: String(user.id),
        before: null,
        after: user,
        ip: null,
      });
      process.stdout.write(`created admin "${user.username}" (id ${user.id})\n`);
    }
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`create-admin: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

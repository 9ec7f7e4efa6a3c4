import { startEnvironment } from './environment.js';
import { markdownTable, type Row } from './report.js';
import { slashCommandAcks } from './scenarios/acks.js';

async function main() {
  const rows: Row[] = [];
  const env = await startEnvironment();
  try {
    const acks = await slashCommandAcks(env);
    rows.push(...acks.rows);
  } finally {
    await env.close();
  }
  process.stdout.write(`${markdownTable(rows)}\n`);
  process.exitCode = rows.every((r) => r.holds) ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(2);
});

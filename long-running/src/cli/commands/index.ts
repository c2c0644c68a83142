import { busCommand } from '../../bus/cli.ts';
import type { CliCommand } from '../command.ts';
import { auditVerifyCommand } from './audit-verify.ts';
import { collectorCommand } from './collector.ts';
import { dataCommand } from './data.ts';
import { dbCheckCommand } from './db-check.ts';
import { engineCommand } from './engine.ts';
import { gatewayCommand } from './gateway.ts';
import { jobsCommand } from './jobs.ts';
import { migrateCommand } from './migrate.ts';
import { scoreCommand } from './score.ts';
import { simCommand } from './sim.ts';
import { startCommand } from './start.ts';
import { traceCommand } from './trace.ts';

/** Every `enigma` sub-command, in the order `--help` lists them. Add one line per command. */
export const commands: CliCommand[] = [
  startCommand,
  engineCommand,
  gatewayCommand,
  migrateCommand,
  dbCheckCommand,
  auditVerifyCommand,
  collectorCommand,
  dataCommand,
  busCommand,
  jobsCommand,
  simCommand,
  scoreCommand,
  traceCommand,
];

// The helm double as its own process (installs, upgrades, waits; see daemon.mjs).
import { runHelm } from './lib/helm-cli.mjs';
import { processIO } from './lib/process-io.mjs';

process.exitCode = await runHelm(process.env.SIM_DIR, process.argv.slice(2), processIO);

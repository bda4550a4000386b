// The kubectl double as its own process (calls that stream, wait or write state; see daemon.mjs).
import { runKubectl } from './lib/kubectl-cli.mjs';
import { processIO } from './lib/process-io.mjs';

process.exitCode = await runKubectl(process.env.SIM_DIR, process.argv.slice(2), processIO);

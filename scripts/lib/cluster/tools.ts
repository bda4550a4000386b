// The kubectl and helm runners every script builds from its config, the same way.
import { createHelm, type Helm } from './helm.ts';
import { createKubectl, type Kubectl } from './kubectl.ts';

export interface ToolConfig {
  kubectl: string;
  helm: string;
  context?: string | undefined;
  timeout: number;
}

/** Single calls get a short leash; long ones (helm --wait) pass their own timeout. */
const CALL_TIMEOUT_MS = 60_000;

export function createClusterTools(cfg: ToolConfig): { kubectl: Kubectl; helm: Helm } {
  const timeoutMs = Math.min(cfg.timeout, CALL_TIMEOUT_MS);
  return {
    kubectl: createKubectl({ bin: cfg.kubectl, context: cfg.context, timeoutMs }),
    helm: createHelm({ bin: cfg.helm, context: cfg.context, timeoutMs }),
  };
}

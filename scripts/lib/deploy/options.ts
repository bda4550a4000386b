// deploy.ts's flags, each with its env twin; the shared ones come first.
import { COMMON_OPTIONS } from '../cli/common-options.ts';
import type { OptionSpec } from '../cli/option-spec.ts';
import { APP_OPTIONS } from '../cluster/app-options.ts';

export const DEPLOY_OPTIONS = [
  ...COMMON_OPTIONS,
  ...APP_OPTIONS,
  {
    name: 'storageClass',
    flag: 'storage-class',
    env: 'STORAGE_CLASS',
    type: 'string',
    description: 'StorageClass of the data volume (default: the cluster default)',
  },
  {
    name: 'storageSize',
    flag: 'storage-size',
    env: 'PG_STORAGE_SIZE',
    type: 'string',
    default: '8Gi',
    description: 'size of the data volume, e.g. 8Gi; bigger with --upgrade grows it where the StorageClass allows',
  },
  {
    name: 'overlay',
    flag: 'overlay',
    env: 'PG_VALUES_OVERLAY',
    type: 'string',
    description: 'helm-values/<name>.yaml on top of base.yaml, e.g. minikube',
  },
  {
    name: 'upgrade',
    flag: 'upgrade',
    env: 'PG_UPGRADE',
    type: 'boolean',
    default: false,
    description: 'apply changes to an existing release',
  },
  {
    name: 'allowMajorUpgrade',
    flag: 'allow-major-upgrade',
    env: 'PG_ALLOW_MAJOR_UPGRADE',
    type: 'boolean',
    default: false,
    description: 'allow a PostgreSQL major version change (the data directory must be migrated first)',
  },
  {
    name: 'readyTimeout',
    flag: 'ready-timeout',
    env: 'PG_READY_TIMEOUT',
    type: 'duration',
    default: '30s',
    description: 'how long an authenticated SELECT 1 may take to succeed after the pod is Ready',
  },
  {
    name: 'dryRun',
    flag: 'dry-run',
    env: 'PG_DRY_RUN',
    type: 'boolean',
    default: false,
    description: 'print the plan (helm argv, merged values), or what --uninstall would remove; change nothing',
  },
  {
    name: 'uninstall',
    flag: 'uninstall',
    env: 'PG_UNINSTALL',
    type: 'boolean',
    default: false,
    description: 'remove the release; the data volume and Secret stay',
  },
  {
    name: 'deleteData',
    flag: 'delete-data',
    env: 'PG_DELETE_DATA',
    type: 'boolean',
    default: false,
    description: 'with --uninstall: also delete the data volume and Secret (needs --yes)',
  },
] as const satisfies readonly OptionSpec[];

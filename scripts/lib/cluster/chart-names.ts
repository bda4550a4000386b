// The names the Bitnami chart gives a release's objects (bitnami/common _names.tpl,
// common.names.fullname): the release name when it already contains the chart's name "postgresql",
// else "<release>-postgresql", cut to 63 characters without a trailing "-".
export interface ChartNames {
  fullname: string;
  statefulSet: string;
  pod: string;
  pvc: string;
  service: string;
  headlessService: string;
}

const CHART_NAME = 'postgresql';

export function chartFullname(release: string): string {
  const full = release.includes(CHART_NAME) ? release : `${release}-${CHART_NAME}`;
  return full.slice(0, 63).replace(/-+$/, '');
}

export function chartNames(release: string): ChartNames {
  const fullname = chartFullname(release);
  return {
    fullname,
    statefulSet: fullname,
    pod: `${fullname}-0`,
    pvc: `data-${fullname}-0`,
    service: fullname,
    headlessService: `${fullname}-hl`,
  };
}

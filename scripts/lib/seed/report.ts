// What seed prints: per-table counts on one line, the generated passwords' whereabouts, the verdict.
import type { Output } from '../cli/output.ts';
import type { TableReport } from './apply.ts';
import type { SeedConfig } from './command.ts';
import type { GeneratedPassword } from './transaction.ts';

export function reportSeeded(
  out: Output,
  cfg: SeedConfig,
  reports: TableReport[],
  passwords: GeneratedPassword[],
  durationMs: number,
): void {
  const total = (k: 'inserted' | 'updated' | 'unchanged'): number => reports.reduce((sum, r) => sum + r[k], 0);
  out.result({
    ok: true,
    status: cfg.dryRun ? 'dry-run' : 'seeded',
    mode: cfg.update ? 'update' : 'skip',
    tables: reports.map(({ insertedKeys: _, ...r }) => r),
    inserted: total('inserted'),
    updated: total('updated'),
    unchanged: total('unchanged'),
    durationMs,
  });
  const byTable = new Map<string, { inserted: number; updated: number; unchanged: number }>();
  for (const r of reports) {
    const sum = byTable.get(r.table) ?? { inserted: 0, updated: 0, unchanged: 0 };
    byTable.set(r.table, {
      inserted: sum.inserted + r.inserted,
      updated: sum.updated + r.updated,
      unchanged: sum.unchanged + r.unchanged,
    });
  }
  const perTable = [...byTable].map(([table, s]) => `${table} +${s.inserted} ~${s.updated} =${s.unchanged}`);
  // The legend goes with the symbols: up and the verdict line repeat only the words.
  out.line(`${perTable.join(', ')} (+ inserted, ~ updated, = unchanged)`);
  if (passwords.length && !cfg.dryRun)
    out.line(`generated password(s) for ${passwords.map((p) => p.who).join(', ')}: see ${cfg.passwordsFile}`);
  const what = `${total('inserted')} inserted, ${total('updated')} updated, ${total('unchanged')} unchanged`;
  out.verdict(true, cfg.dryRun ? `dry run: ${what}; rolled back, nothing changed` : what);
}

// A scratch database shaped like the app's (owner, encoding, locale, tablespace), made by the superuser
// from template0, next to it on the same server: a restore is built there whole before it replaces
// anything. Its name is made here, never taken from input, so it is safe unquoted in sh and in libpq.
import { randomBytes } from 'node:crypto';
import { toolError } from '../cli/errors.ts';
import type { PodSession } from '../target/pod-session.ts';
import { sqlIdent as ident, sqlLiteral as lit } from '../schema/sql-quote.ts';

/** Every scratch database starts so; one left by a killed run is recognised by it. */
export const SCRATCH_PREFIX = 'pgk8s_scratch_';

/** pg_database's row as JSON (its locale columns differ across major versions) plus the names of its oids. */
export interface DatabaseShape {
  owner: string;
  encoding: string;
  tablespace: string;
  datcollate: string;
  datctype: string;
  /** 15+: c (libc), i (icu), b (builtin, 17+). */
  datlocprovider?: string;
  /** 15 and 16. */
  daticulocale?: string | null;
  /** 17+, the provider's locale. */
  datlocale?: string | null;
  /** 16+. */
  daticurules?: string | null;
}

function shapeSql(database: string): string {
  return (
    "select (to_jsonb(d) || jsonb_build_object('owner', pg_get_userbyid(d.datdba), 'encoding', " +
    "pg_encoding_to_char(d.encoding), 'tablespace', (select spcname from pg_tablespace where oid = d.dattablespace)))" +
    `::text from pg_database d where datname = ${lit(database)}`
  );
}

/** CREATE DATABASE for a copy of `shape` with nothing in it but what template0 holds. */
export function createDatabaseSql(name: string, shape: DatabaseShape): string {
  const parts = [
    `create database ${ident(name)} with template template0 owner ${ident(shape.owner)}`,
    `encoding ${lit(shape.encoding)} lc_collate ${lit(shape.datcollate)} lc_ctype ${lit(shape.datctype)}`,
    `tablespace ${ident(shape.tablespace)}`,
  ];
  const locale = shape.datlocale ?? shape.daticulocale ?? null;
  if (shape.datlocprovider === 'c') parts.push('locale_provider libc');
  if (shape.datlocprovider === 'i') parts.push(`locale_provider icu icu_locale ${lit(locale ?? '')}`);
  if (shape.datlocprovider === 'b') parts.push(`locale_provider builtin builtin_locale ${lit(locale ?? 'C')}`);
  if (shape.daticurules) parts.push(`icu_rules ${lit(shape.daticurules)}`);
  return parts.join(' ');
}

/** Makes the scratch database as the superuser (`admin`, a session outside both databases). */
export async function createScratchDatabase(admin: PodSession, like: string): Promise<string> {
  const shape = await admin.query(shapeSql(like));
  if (shape.error || !shape.rows[0])
    throw toolError(`could not read how ${like} was made: ${shape.error.split('\n')[0] || 'no such database'}`);
  const name = `${SCRATCH_PREFIX}${randomBytes(6).toString('hex')}`;
  const made = await admin.query(createDatabaseSql(name, JSON.parse(shape.rows[0]) as DatabaseShape));
  if (made.error)
    throw toolError(
      `could not create a scratch database next to ${like}: ${made.error.split('\n')[0]}; nothing changed`,
      'npm run -s db:verify',
    );
  return name;
}

/** Drops it with whatever is still connected; the error's first line, or null when it is gone. */
export async function dropScratchDatabase(admin: PodSession, name: string): Promise<string | null> {
  const r = await admin.query(`drop database if exists ${ident(name)} with (force)`);
  return r.error ? r.error.split('\n')[0]! : null;
}

/** Scratch databases of runs that were killed before they could drop theirs; dropped, their names returned. */
export async function dropLeftoverScratch(admin: PodSession): Promise<string[]> {
  const r = await admin.query(`select datname from pg_database where starts_with(datname, ${lit(SCRATCH_PREFIX)})`);
  const dropped: string[] = [];
  for (const name of r.rows) if ((await dropScratchDatabase(admin, name)) === null) dropped.push(name);
  return dropped;
}

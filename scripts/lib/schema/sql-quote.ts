// Values and names put into SQL text, quoted as PostgreSQL reads them (standard_conforming_strings on).

/** 'it''s': a string literal. */
export const sqlLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** "My ""Table""": a quoted identifier. */
export const sqlIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

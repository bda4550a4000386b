// Words for sh: what we hand to a shell (pg_ctl -o, the dbmate driver) and what we print for a
// person to paste (--debug traces, suggested commands).

/** Always single-quoted: sh takes it literally, whatever it holds. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Quoted only when it has to be, so printed commands stay readable. */
export const shWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : shQuote(s));

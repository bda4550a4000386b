// The streams of a double run as its own process.
export const processIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

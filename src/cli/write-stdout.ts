/** Write a (possibly large) text to stdout and wait until it is flushed, so piping into `head` or a file is safe. */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

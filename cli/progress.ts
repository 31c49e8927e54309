/** Progress on stderr: one rewritten line on a terminal, a line per change otherwise. */
export function createProgress(enabled = true) {
  const tty = process.stderr.isTTY;
  let last = '';
  return {
    update(text: string) {
      if (!enabled || text === last) return;
      last = text;
      if (tty) process.stderr.write(`\r\x1b[2K${text}`);
      else process.stderr.write(text + '\n');
    },
    done(text?: string) {
      if (!enabled) return;
      if (tty && last) process.stderr.write('\r\x1b[2K');
      if (text) process.stderr.write(text + '\n');
      last = '';
    },
  };
}

export function bar(done: number, total: number, width = 20): string {
  const f = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(f)}${'.'.repeat(width - f)}] ${done}/${total}`;
}

/**
 * What a terminal keeps of what a program wrote: a small emulator of the escape sequences Ink (log-update,
 * ansi-escapes) uses — cursor up/down/left/column, erase line, erase display, clear scrollback — over a screen
 * with unlimited scrollback. Lines that were erased and redrawn (Ink's live area) end up once, as last drawn;
 * `ESC[3J` (clear scrollback) loses everything above, as a real terminal does. Colours and other SGR/private
 * sequences are dropped. Enough to check "the scrollback has every epoch exactly once"; not a full VT100.
 */
export class TerminalScreen {
  private rows: string[][] = [[]];
  private row = 0;
  private col = 0;

  constructor(private readonly width = 100) {}

  write(text: string): void {
    let i = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\u001b') {
        i = this.escape(text, i);
        continue;
      }
      if (c === '\n') {
        this.row++;
        this.col = 0;
        this.ensure();
      } else if (c === '\r') {
        this.col = 0;
      } else if (c === '\b') {
        this.col = Math.max(0, this.col - 1);
      } else if (c >= ' ' || c === '\t') {
        // a write past the right edge wraps to the next line, as a terminal with auto-wrap does
        if (this.col >= this.width) {
          this.row++;
          this.col = 0;
          this.ensure();
        }
        const line = this.rows[this.row]!;
        while (line.length < this.col) line.push(' ');
        line[this.col] = c;
        this.col++;
      }
      i++;
    }
  }

  /** Every line, scrollback and screen, without trailing blanks (trailing empty lines dropped). */
  lines(): string[] {
    const out = this.rows.map((r) => r.join('').trimEnd());
    while (out.length > 0 && out.at(-1) === '') out.pop();
    return out;
  }

  private ensure(): void {
    while (this.rows.length <= this.row) this.rows.push([]);
  }

  /** Handles one escape sequence starting at `i`; returns the index after it. */
  private escape(text: string, i: number): number {
    const next = text[i + 1];
    if (next === '[') {
      const m = /^\u001b\[([?>=]?)([\d;]*)([\x40-\x7e])/.exec(text.slice(i));
      if (!m) return i + 2;
      const [all, priv, params, final] = m;
      if (priv === '') this.csi(params ?? '', final!);
      return i + all.length;
    }
    if (next === ']') {
      // OSC: up to BEL or ST
      const bel = text.indexOf('\u0007', i);
      const st = text.indexOf('\u001b\\', i);
      const ends = [bel >= 0 ? bel + 1 : Infinity, st >= 0 ? st + 2 : Infinity];
      const end = Math.min(...ends);
      return Number.isFinite(end) ? end : text.length;
    }
    return i + 2;
  }

  private csi(params: string, final: string): void {
    const nums = params === '' ? [] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
    const n = nums[0] || 1;
    switch (final) {
      case 'A':
        this.row = Math.max(0, this.row - n);
        break;
      case 'B':
        this.row += n;
        this.ensure();
        break;
      case 'C':
        this.col += n;
        break;
      case 'D':
        this.col = Math.max(0, this.col - n);
        break;
      case 'E':
        this.row += n;
        this.col = 0;
        this.ensure();
        break;
      case 'F':
        this.row = Math.max(0, this.row - n);
        this.col = 0;
        break;
      case 'G':
        this.col = Math.max(0, (nums[0] || 1) - 1);
        break;
      case 'H':
      case 'f':
        // cursor position: relative to the top of the screen; with unlimited scrollback only "home" matters here
        this.row = Math.max(0, (nums[0] || 1) - 1);
        this.col = Math.max(0, (nums[1] || 1) - 1);
        this.ensure();
        break;
      case 'K': {
        const line = this.rows[this.row]!;
        const mode = nums[0] ?? 0;
        if (mode === 2) line.length = 0;
        else if (mode === 1) for (let k = 0; k <= this.col && k < line.length; k++) line[k] = ' ';
        else line.length = Math.min(line.length, this.col);
        break;
      }
      case 'J': {
        const mode = nums[0] ?? 0;
        if (mode === 3 || mode === 2) {
          // clear screen (and scrollback): what was written is gone
          this.rows = [[]];
          this.row = 0;
          this.col = 0;
        } else if (mode === 0) {
          this.rows[this.row]!.length = Math.min(this.rows[this.row]!.length, this.col);
          this.rows.length = this.row + 1;
        }
        break;
      }
      default:
        // SGR colours (m), cursor show/hide and the rest: no effect on the text
        break;
    }
  }
}

/** The lines a terminal would show after `output` was written to it. */
export function screenLines(output: string, width = 100): string[] {
  const t = new TerminalScreen(width);
  t.write(output);
  return t.lines();
}

/** The TypeScript examples of README.md: every ```ts block runs in the package test unless marked not to. */
export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** Why the block is not run (the text of `<!-- not run: … -->` on the line before the fence), or null. */
  notRun: string | null;
}

const NOT_RUN = /^<!-- not run: (.+?) -->$/;

export function readmeTsBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(```+)(ts|typescript)\s*$/.exec(lines[i]!);
    if (!fence) {
      // Skip over other fenced blocks whole, so a ```ts inside them is not taken for an example.
      const other = /^(```+)\S*/.exec(lines[i]!);
      if (other) while (++i < lines.length && lines[i]!.trim() !== other[1]);
      continue;
    }
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && lines[i]!.trim() !== fence[1]) body.push(lines[i]!);
    const marker = NOT_RUN.exec((lines[start - 1] ?? '').trim());
    blocks.push({ line: start + 1, code: `${body.join('\n')}\n`, notRun: marker ? marker[1]! : null });
  }
  return blocks;
}

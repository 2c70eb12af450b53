/**
 * Headless Chromium for the browser test and `npm run bench:browser`: the system's Chromium (Debian's `chromium`
 * package; nothing is downloaded), driven by playwright-core. Flags: sandbox off (tests run as root in CI),
 * no background networking, component updates, sync or QUIC (their connections are refused on a closed network
 * and slow the start), WebGPU enabled (headless Chromium offers a SwiftShader adapter with it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];

/** The Chromium to use ($MILA_CHROMIUM, then the usual paths, then `chromium` on PATH), or null with why. */
export function findChromium() {
  const env = process.env.MILA_CHROMIUM;
  if (env) return existsSync(env) ? { path: env } : { path: null, why: `MILA_CHROMIUM=${env} does not exist` };
  for (const p of CANDIDATES) if (existsSync(p)) return { path: p };
  try {
    const p = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    if (p) return { path: p };
  } catch {
    // not on PATH either
  }
  return { path: null, why: `no Chromium found (${CANDIDATES.join(', ')} or \`chromium\` on PATH; Debian: apt-get install chromium)` };
}

/**
 * Launch headless Chromium (a fresh, empty profile each time): { browser, pid, close() }. Launched as a server
 * and connected to, so that its process id is known (for browserCpuMs).
 */
export async function launchChromium(executablePath, extraArgs = []) {
  const { chromium } = await import('playwright-core');
  const server = await chromium.launchServer({ executablePath, headless: true, args: [...CHROMIUM_FLAGS, ...extraArgs] });
  const browser = await chromium.connect(server.wsEndpoint());
  return {
    browser,
    pid: server.process().pid,
    async close() {
      await browser.close().catch(() => {});
      await server.close();
    },
  };
}

/** Process ids of `pid` and all its descendants (Linux /proc). */
function processTree(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // the process ended meanwhile
    }
  }
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

const TICKS_PER_SECOND = 100;

/**
 * CPU milliseconds (user + system, all threads) used so far by the browser process `pid` and every process under it
 * (renderer, GPU process, utility processes): the browser-side counterpart of Node's process.cpuUsage().
 * Linux only; null elsewhere.
 */
export function browserCpuMs(pid) {
  if (!pid || !existsSync('/proc')) return null;
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // ended meanwhile
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

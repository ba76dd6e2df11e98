import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { freePort } from '../../db/embedded';

export interface AppProcess {
  url: string;
  child: ChildProcess;
  /** The process's peak resident memory so far in MB (Linux: VmHWM), NaN if unknown. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/**
 * The bot as its own process (`src/main.ts`), as in production: the benchmark's load generator
 * and fakes then do not share its event loop. Resolves once it listens.
 */
export async function startAppProcess(env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEMO_DATA: 'off', LOCAL_CHAT: 'off', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => (d.toString().includes('listening on') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`app exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    peakRssMb() {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

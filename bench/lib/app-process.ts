import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../db/embedded';

export interface AppProcess {
  url: string;
  child: ChildProcess;
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
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

import { spawn } from 'node:child_process';
import { freePort } from '../../db/embedded';
import { startAppProcess, type AppProcess } from '../lib/app-process';

/** The webhook floor (bench/floor/webhook-server.ts) as its own process, as the app runs in its own. */
export async function startFloorWebhook(env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/floor/webhook-server.ts'], {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => (d.toString().includes('listening on') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`floor webhook exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    peakRssMb: () => Number.NaN,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export { startAppProcess };

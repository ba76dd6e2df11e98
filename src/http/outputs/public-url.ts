import { isLoopback, type Config } from '../../config';

/**
 * Where links point: PUBLIC_BASE_URL (what phones reach), or, without one, the address this
 * server listens on when that is loopback (the local web chat). Links are absolute so that a
 * chat platform makes them tappable.
 */
export function publicBase(config: Pick<Config, 'PUBLIC_BASE_URL' | 'HOST'>, port: () => number | undefined): () => string {
  return () => {
    if (config.PUBLIC_BASE_URL) return config.PUBLIC_BASE_URL.replace(/\/$/, '');
    const p = port();
    if (p === undefined) return '';
    const host = isLoopback(config.HOST)
      ? config.HOST === 'localhost'
        ? 'localhost'
        : config.HOST.includes(':')
          ? `[${config.HOST}]`
          : config.HOST
      : '127.0.0.1';
    return `http://${host}:${p}`;
  };
}

let base: (() => string) | null = null;

/** Set once the output routes are mounted (src/http/outputs/routes.ts). */
export function setPublicBase(b: () => string): void {
  base = b;
}

/** An absolute URL on this server (see publicBase). */
export function publicUrl(pathAndQuery: string): string {
  if (!base) throw new Error('output routes are not mounted');
  return `${base()}${pathAndQuery}`;
}

// The machine a benchmark ran on, for its printed header and its results file.
import os from 'node:os';
import { birdVersion } from './versions.js';

export interface Machine {
  nproc: number;
  cpu: string;
  memGB: number;
  node: string;
  /** BIRD's version, '?' when it cannot be asked */
  bird: string;
  kernel: string;
}

export async function machineInfo(): Promise<Machine> {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? '?',
    memGB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    bird: await birdVersion(),
    kernel: os.release(),
  };
}

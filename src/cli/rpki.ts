// `openpeering rpki` (being written).
import type { Command } from 'commander';

export function registerRpki(_program: Command): void {}

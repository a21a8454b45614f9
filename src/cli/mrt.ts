// `openpeering mrt` (being written).
import type { Command } from 'commander';

export function registerMrt(_program: Command): void {}

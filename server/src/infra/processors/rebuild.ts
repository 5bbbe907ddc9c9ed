import type pg from 'pg';
import type { Checkpoint } from './checkpoints.js';
import type { ProcessorDeclaration } from './declaration.js';
import type { RunnerOptions } from './runner.js';

export const rebuildStep = async (_pool: pg.Pool, _processor: ProcessorDeclaration, _checkpoint: Checkpoint, _options: RunnerOptions) => {};

import pino from 'pino';
import { busContract } from './contract.ts';
import { createMemoryBus } from './memory.ts';

busContract('in-process', () => createMemoryBus({ logger: pino({ level: 'silent' }) }));

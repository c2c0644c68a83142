import { index, integer, jsonb, numeric, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { signals } from './signals.ts';

/** A model's score of a signal; `model_version` pins exactly which artefact produced it. */
export const modelScores = pgTable(
  'model_scores',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    signalId: uuid('signal_id').references(() => signals.id, { onDelete: 'cascade' }),
    modelName: text('model_name').notNull(),
    modelVersion: text('model_version').notNull(),
    score: numeric('score').notNull(),
    /** e.g. 'take' | 'skip', with the threshold that decided it in `features` or `metadata` */
    decision: text('decision'),
    features: jsonb('features').$type<Record<string, unknown>>(),
    latencyMicros: integer('latency_micros'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('model_scores_signal_idx').on(t.signalId),
    index('model_scores_model_idx').on(t.modelName, t.modelVersion),
  ],
);

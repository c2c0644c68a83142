-- Custom migration: candle storage that depends on the server.
-- With TimescaleDB available (and preloaded, which the extension requires), candles becomes a hypertable
-- chunked by week, compressed per (symbol, timeframe) after 30 days. Otherwise (plain PostgreSQL, PGlite,
-- Neon without Timescale) a BRIN index on open_time keeps range scans cheap: candles arrive in time order,
-- so block ranges correlate with open_time and the index stays tiny.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     AND current_setting('shared_preload_libraries', true) LIKE '%timescaledb%' THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    PERFORM create_hypertable('candles', 'open_time',
      chunk_time_interval => interval '7 days', if_not_exists => true, migrate_data => true);
    EXECUTE 'ALTER TABLE candles SET (timescaledb.compress, '
      || 'timescaledb.compress_segmentby = ''symbol, timeframe'', '
      || 'timescaledb.compress_orderby = ''open_time DESC'')';
    PERFORM add_compression_policy('candles', interval '30 days', if_not_exists => true);
  ELSE
    CREATE INDEX IF NOT EXISTS candles_open_time_brin ON candles USING brin (open_time);
  END IF;
END
$$;

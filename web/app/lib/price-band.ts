import type {
  IPrimitivePaneRenderer,
  IPrimitivePaneView,
  ISeriesApi,
  ISeriesPrimitive,
  SeriesAttachedParameter,
  SeriesType,
  Time,
} from 'lightweight-charts';

/** The price zone between a position's protective stop and its liquidation price. */
export interface StopLiquidationZone {
  from: number;
  to: number;
  /**
   * true when the stop lies before the liquidation price (a long's stop above it, a short's below):
   * the zone is then what the stop protects against; false when the stop would trigger past it
   */
  protects: boolean;
}

/** The zone to shade for a position, or null without a position, a stop or a liquidation price. */
export function stopLiquidationZone(
  position: { qty: number; stopPrice: string | null; liquidationPrice: string | null } | undefined,
): StopLiquidationZone | null {
  if (!position || position.qty === 0) return null;
  const stop = Number(position.stopPrice);
  const liq = Number(position.liquidationPrice);
  if (!(stop > 0) || !(liq > 0) || stop === liq) return null;
  return { from: stop, to: liq, protects: position.qty > 0 ? stop > liq : stop < liq };
}

/**
 * A series primitive that shades the band between two prices across the whole pane, under the candles
 * (Lightweight Charts has no band of its own). `set(null)` hides it.
 */
export class PriceBand implements ISeriesPrimitive<Time> {
  private series: ISeriesApi<SeriesType, Time> | null = null;
  private requestUpdate: (() => void) | null = null;
  private band: { from: number; to: number; color: string } | null = null;
  private readonly view: IPrimitivePaneView = {
    zOrder: () => 'bottom',
    renderer: () => this.renderer(),
  };

  attached(p: SeriesAttachedParameter<Time, SeriesType>): void {
    this.series = p.series;
    this.requestUpdate = p.requestUpdate;
  }

  detached(): void {
    this.series = null;
    this.requestUpdate = null;
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return [this.view];
  }

  set(band: { from: number; to: number; color: string } | null): void {
    this.band = band;
    this.requestUpdate?.();
  }

  private renderer(): IPrimitivePaneRenderer | null {
    const s = this.series;
    const b = this.band;
    if (!s || !b) return null;
    const y1 = s.priceToCoordinate(b.from);
    const y2 = s.priceToCoordinate(b.to);
    if (y1 === null || y2 === null) return null;
    return {
      draw: (target) =>
        target.useBitmapCoordinateSpace(({ context, bitmapSize, verticalPixelRatio }) => {
          const top = Math.round(Math.min(y1, y2) * verticalPixelRatio);
          const height = Math.max(1, Math.round(Math.abs(y2 - y1) * verticalPixelRatio));
          context.fillStyle = b.color;
          context.fillRect(0, top, bitmapSize.width, height);
        }),
    };
  }
}

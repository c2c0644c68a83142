import { listCommands } from '@enigma/db/repositories/commands';
import type { RunningSystem } from '@enigma/long-running/runtime/system';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startDashboardSystem } from '../harness.ts';

/**
 * The order ticket's stop orders end to end: `enigma start` in this process, Debian's Chromium. A stop
 * market above the last price is previewed at its stop price, confirmed, and (with the engine inside
 * `enigma start`) rests on the simulator as a stop order shown among the open orders; a stop limit
 * without its limit price is refused in place before anything is sent.
 */

let system: RunningSystem;
let browser: Browser;
let admin: { email: string; password: string };

beforeAll(async () => {
  ({ system, admin } = await startDashboardSystem());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await system?.close();
});

describe('the order ticket, end to end', () => {
  it('places a stop market order from the ticket (preview at the stop price), which rests as a stop order', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto(`${system.url}/`);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${system.url}/`);
    const ticket = page.getByTestId('order-ticket');
    await page.getByTestId('preview-margin').waitFor({ timeout: 20_000 });
    const last = Number(await page.getByTestId('preview-price').getAttribute('data-price'));

    // a stop limit without its limit price: the field says so in place, nothing can be sent
    await ticket.getByLabel('Type').selectOption('stop_limit');
    await ticket.getByLabel('Stop price').fill((Math.ceil(last * 1.01 * 10) / 10).toFixed(1));
    await expect(
      ticket.getByRole('alert').filter({ hasText: 'a stop limit order needs a price' }).count(),
    ).resolves.toBe(1);
    await expect(page.getByTestId('place-order').isDisabled()).resolves.toBe(true);

    // a stop market 1 % above the last price, its stop-loss 1 % below that
    await ticket.getByLabel('Type').selectOption('stop_market');
    const stop = (Math.ceil(last * 1.01 * 10) / 10).toFixed(1);
    // as the command and the engine's answer write it: a canonical decimal (96618.0 is "96618")
    const stopText = String(Number(stop));
    await ticket.getByLabel('Stop price').fill(stop);
    await ticket.getByLabel('Stop-loss').fill((Math.floor(Number(stop) * 0.99 * 10) / 10).toFixed(1));
    await page.getByTestId('preview-price').filter({ hasText: 'stop' }).waitFor({ timeout: 10_000 });
    expect(Number(await page.getByTestId('preview-price').getAttribute('data-price'))).toBe(Number(stop));
    // no router style for a stop order
    await expect(ticket.getByLabel('Execution').count()).resolves.toBe(0);
    const place = page.getByTestId('place-order');
    await expect.poll(() => place.isEnabled(), { timeout: 10_000 }).toBe(true);
    await place.click();
    await expect(place.textContent()).resolves.toMatch(/^Confirm buy 1 XBTUSDTM stop market/);
    await place.click();
    await page.getByTestId('order-result').filter({ hasText: 'accepted' }).waitFor({ timeout: 10_000 });
    const [cmd] = await listCommands(system.db.db, 1);
    expect(cmd?.command).toMatchObject({
      orderType: 'stop_market',
      stopPrice: stopText,
      marginMode: 'isolated',
    });

    if ('engine' in system) {
      // the engine sent it as a KuCoin stop order: the command is done and the order rests, untriggered
      await expect
        .poll(async () => (await listCommands(system.db.db, 1))[0]?.status, { timeout: 30_000 })
        .toBe('done');
      const [done] = await listCommands(system.db.db, 1);
      expect(done?.result).toMatchObject({ type: 'stop_market', stopDirection: 'up', stopPrice: stopText });
      await page
        .getByTestId('orders-panel')
        .locator('tr', { hasText: 'stop_market' })
        .first()
        .waitFor({ timeout: 30_000 });
      // a reconciliation (every 30 s) leaves it resting, and the panel still lists it on a fresh load
      await system.engine.reconcile(0);
      await page.reload();
      await page
        .getByTestId('orders-panel')
        .locator('tr', { hasText: 'stop_market' })
        .first()
        .waitFor({ timeout: 15_000 });
      // at a phone's width its Cancel button is in sight at the card's right edge (it sat past the
      // screen's edge, reachable only by scrolling the table sideways)
      await page.setViewportSize({ width: 390, height: 844 });
      const cancel = page
        .getByTestId('orders-panel')
        .locator('tr', { hasText: 'stop_market' })
        .first()
        .getByTestId('cancel-order');
      const box = await cancel.evaluate((b) => {
        const r = b.getBoundingClientRect();
        return { left: Math.round(r.left), right: Math.round(r.right), width: window.innerWidth };
      });
      expect(box.left >= 0 && box.right <= box.width, JSON.stringify(box)).toBe(true);
    }
    await context.close();
  }, 180_000);
});

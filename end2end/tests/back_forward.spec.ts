import { test, expect } from '@playwright/test';
import { identityProvider, servers } from './support/servers';
import { launchOptions } from './support/browser';

// Back from a provider's page: browsers restore the page from their back/forward cache, as it
// was left, and the app's buttons must not stay busy. Playwright turns that cache off in the
// browsers it starts; these journeys turn it back on, as in people's browsers.
const server = servers.providers;
test.use({
  baseURL: server.frontend,
  launchOptions: { ...launchOptions, ignoreDefaultArgs: ['--disable-back-forward-cache'] },
});

test("coming back with Back from the provider's page finds its button ready to press again", async ({ page }) => {
  await page.goto('/login');
  const button = page.getByRole('button', { name: 'Continue with Acme ID' });
  await expect(button).toBeEnabled();
  // A mark that only a page restored from the cache, rather than loaded again, still has.
  await page.evaluate(() => ((window as unknown as { leftAt: number }).leftAt = 1));
  await button.click();
  await page.waitForURL((url) => url.origin === new URL(identityProvider.issuer).origin);

  // A page restored from the cache fires no load event: wait for the navigation only.
  await page.goBack({ waitUntil: 'commit' });
  await expect(page).toHaveURL(/\/login$/);
  expect(await page.evaluate(() => (window as unknown as { leftAt?: number }).leftAt), 'restored from the cache').toBe(1);
  await expect(button).toBeEnabled();
  await expect(button).toHaveAttribute('aria-busy', 'false');
});

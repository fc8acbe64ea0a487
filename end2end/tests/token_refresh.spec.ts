import { test, expect } from '@playwright/test';
import { servers } from './support/servers';
import { activeAccount, countRefreshes, signIn, storedSession, waitForAccessExpiry } from './support/app';

// Against the server whose access tokens live six seconds.
const server = servers.short;
test.use({ baseURL: server.url });

test('an expired access token is refreshed once per expiry and nobody is signed out', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'refresh');
  const refreshes = countRefreshes(page);
  await page.goto('/login');
  await signIn(page, person.username, person.password);

  for (const expiry of [1, 2]) {
    await waitForAccessExpiry(page, request, server);
    await page.getByRole('link', { name: 'Users' }).click();
    await expect(page.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByLabel('Last name', { exact: true }).fill(`Refreshed ${expiry}`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status')).toContainText('Your profile was saved.');
    expect(refreshes()).toBe(expiry);
    await expect(page.getByTestId('signed-in-as')).toContainText(person.username);
  }
});

test('a revoked session signs the person out with an explanation, and back in where they were', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'revoked');
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  const { refresh } = await storedSession(page);
  expect((await request.post(`${server.url}/auth/jwt/blacklist/`, { data: { refresh } })).status()).toBe(200);

  await waitForAccessExpiry(page, request, server);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByRole('alert')).toContainText('Your session has ended. Please sign in again.');
  expect(await page.evaluate(() => localStorage.getItem('gatehouse.session'))).toBeNull();

  await signIn(page, person.username, person.password);
  await expect(page).toHaveURL(/\/users$/);
});

test('two tabs share one session: a rotation in one is used by the other, a sign-out ends both', async ({ context, request }) => {
  const person = await activeAccount(request, server, 'tabs');
  const first = await context.newPage();
  const second = await context.newPage();
  const firstRefreshes = countRefreshes(first);
  const secondRefreshes = countRefreshes(second);
  await first.goto('/login');
  await signIn(first, person.username, person.password);
  await second.goto('/profile');
  await expect(second.getByTestId('signed-in-as')).toContainText(person.username);

  await waitForAccessExpiry(first, request, server);
  await first.getByRole('link', { name: 'Users' }).click();
  await expect(first.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
  expect(firstRefreshes()).toBe(1);

  await second.getByRole('link', { name: 'Users' }).click();
  await expect(second.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
  expect(secondRefreshes()).toBe(0);
  expect((await storedSession(second)).refresh).toBe((await storedSession(first)).refresh);

  await first.getByRole('button', { name: 'Sign out' }).click();
  await expect(second).toHaveURL(/\/login/);
  await expect(second.getByRole('status')).toContainText('You were signed out in another tab.');
  await expect(second.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
});

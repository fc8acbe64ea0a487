import { test, expect } from '@playwright/test';
import { servers } from './support/servers';
import {
  activeAccount,
  apiSession,
  countRefreshes,
  sharedState,
  signIn,
  waitForAccessExpiry,
  watchAccessTokens,
} from './support/app';

// Against the server whose access tokens live six seconds.
const server = servers.short;
test.use({ baseURL: server.url });

test('an expired access token is refreshed once per expiry and nobody is signed out', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'refresh');
  const refreshes = countRefreshes(page);
  const access = watchAccessTokens(page);
  await page.goto('/login');
  await signIn(page, person.username, person.password);

  for (const expiry of [1, 2]) {
    await waitForAccessExpiry(request, server, access);
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

test('a reloaded page stays signed in: it gets a new access token with the refresh cookie', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'reload');
  const refreshes = countRefreshes(page);
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await page.goto('/users');
  await expect(page.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
  expect(refreshes()).toBe(1);
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);
});

test('a session ended elsewhere signs the person out with an explanation, and back in where they were', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'revoked');
  const access = watchAccessTokens(page);
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  const elsewhere = await apiSession(request, server, person);
  const revoked = await request.post(`${server.url}/auth/users/me/sessions/revoke/`, {
    headers: { Authorization: `Bearer ${elsewhere}` },
    data: { scope: 'all' },
  });
  expect(revoked.status()).toBe(204);

  await waitForAccessExpiry(request, server, access);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByRole('alert')).toContainText('Your session has ended. Please sign in again.');
  expect(await sharedState(page)).toEqual({ state: 'ended' });

  await signIn(page, person.username, person.password);
  await expect(page).toHaveURL(/\/users$/);
});

test('two tabs share one session: each renews it with the shared cookie, even at once, and a sign-out ends both', async ({ context, request }) => {
  const person = await activeAccount(request, server, 'tabs');
  const first = await context.newPage();
  const second = await context.newPage();
  const firstAccess = watchAccessTokens(first);
  const secondAccess = watchAccessTokens(second);
  await first.goto('/login');
  await signIn(first, person.username, person.password);
  await second.goto('/profile');
  await expect(second.getByTestId('signed-in-as')).toContainText(person.username);

  await test.step('one tab after the other', async () => {
    await waitForAccessExpiry(request, server, firstAccess);
    await first.getByRole('link', { name: 'Users' }).click();
    await expect(first.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
    await waitForAccessExpiry(request, server, secondAccess);
    await second.getByRole('link', { name: 'Users' }).click();
    await expect(second.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
  });

  await test.step('both tabs at once', async () => {
    await waitForAccessExpiry(request, server, firstAccess);
    await waitForAccessExpiry(request, server, secondAccess);
    await Promise.all([
      first.getByRole('link', { name: 'Profile' }).click(),
      second.getByRole('link', { name: 'Profile' }).click(),
    ]);
    await Promise.all([
      first.getByRole('link', { name: 'Users' }).click(),
      second.getByRole('link', { name: 'Users' }).click(),
    ]);
    for (const tab of [first, second]) {
      await expect(tab.getByRole('cell', { name: person.username, exact: true })).toBeVisible();
      await expect(tab.getByTestId('signed-in-as')).toContainText(person.username);
    }
  });

  await first.getByRole('button', { name: 'Sign out' }).click();
  await expect(second).toHaveURL(/\/login/);
  await expect(second.getByRole('status')).toContainText('You were signed out in another tab.');
  await expect(second.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
});

import { test, expect, Page } from '@playwright/test';
import { servers } from './support/servers';
import { activeAccount, signIn, signInsMadeEarlier, signOut } from './support/app';
import { wcagViolations } from './support/axe';
import { totp } from './support/totp';

const server = servers.main;
const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });
// The accessibility audit injects axe-core, which the app's Content-Security-Policy would refuse.
test.use({ bypassCSP: true });

test('an authenticator app is added from its key, with recovery codes shown once, and new codes are confirmed by a code', async ({
  page,
  request,
}) => {
  const person = await activeAccount(request, server, 'security');
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await page.goto('/profile/security');
  await expect(page.getByRole('heading', { name: 'Security', level: 1 })).toBeVisible();
  await expect(page.getByText('You have no authenticator app yet.')).toBeVisible();

  await page.getByRole('button', { name: 'Add an authenticator app' }).click();
  await expect(field(page, 'Code from the app')).toBeFocused();
  const qr = page.getByRole('img', { name: "QR code of your account's key, for an authenticator app" });
  await expect(qr).toBeVisible();
  expect(await qr.evaluate((image: HTMLImageElement) => image.naturalWidth > 0), 'the QR code is drawn').toBe(true);
  const key = (await page.getByTestId('totp-key').textContent())!.replace(/\s/g, '');
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  expect(await wcagViolations(page), 'adding an app').toEqual([]);

  await field(page, 'Code from the app').fill('000000');
  await page.keyboard.press('Enter');
  await expect(page.getByText('The code is not valid.')).toBeVisible();
  await field(page, 'Code from the app').fill(totp(key, Date.now() / 1000));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText('Your authenticator app was added.');
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  await expect(codes.first()).toHaveText(/^[a-z0-9]{4}-[a-z0-9]{4}$/);
  const first = await codes.first().textContent();
  await page.getByRole('button', { name: 'I have kept them' }).click();
  await expect(page.getByText('You have 10 unused recovery codes.', { exact: false })).toBeVisible();

  // New codes, confirmed by a fresh code from the app: the old ones stop working.
  await page.getByRole('button', { name: 'Make new recovery codes' }).click();
  await page.getByRole('button', { name: 'Use a code from your app instead' }).click();
  await expect(field(page, 'Code from your authenticator app')).toBeFocused();
  await field(page, 'Code from your authenticator app').fill(totp(key, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('status')).toContainText('Your new recovery codes replace the old ones.');
  await expect(codes).toHaveCount(10);
  expect(await codes.first().textContent()).not.toBe(first);

  await signOut(page);
  await page.goto('/login');
  await field(page, 'Username').fill(person.username);
  await field(page, 'Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await field(page, 'Recovery code').fill(first!);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('The recovery code is not valid or was already used.')).toBeVisible();
});

test('a sign-in older than fifteen minutes is asked to sign in again before adding an authenticator app, and comes back to the page', async ({
  page,
  request,
}) => {
  const person = await activeAccount(request, server, 'again');
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await page.goto('/profile/security');
  await expect(page.getByText('Loading your second factors…')).toBeHidden();
  signInsMadeEarlier(server, person.username, 16 * 60);

  await page.getByRole('button', { name: 'Add an authenticator app' }).click();
  await expect(page.getByRole('alert')).toContainText('To add a way to sign in, sign in again');
  await expect(page.getByTestId('totp-key')).toBeHidden();
  expect(await wcagViolations(page), 'asked to sign in again').toEqual([]);
  await page.getByRole('button', { name: 'Sign in again' }).focus();
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Sign in again to add a way to sign in.');
  await field(page, 'Username').fill(person.username);
  await field(page, 'Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/profile\/security$/);
  await page.getByRole('button', { name: 'Add an authenticator app' }).click();
  await expect(page.getByTestId('totp-key')).toBeVisible();
});

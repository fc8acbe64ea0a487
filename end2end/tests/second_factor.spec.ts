import { test, expect, Page, APIRequestContext } from '@playwright/test';
import { servers } from './support/servers';
import { activeAccount, apiSession, Person, signOut } from './support/app';
import { wcagViolations } from './support/axe';
import { totp } from './support/totp';

const server = servers.main;
const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

/** Adds an authenticator app to `person`'s account through the API: its key and recovery codes. */
async function withAuthenticator(request: APIRequestContext, person: Person) {
  const access = await apiSession(request, server, person);
  const headers = { Authorization: `Bearer ${access}` };
  const enrolment = await request.post(`${server.url}/auth/users/me/mfa/totp/`, { headers, data: {} });
  expect(enrolment.status()).toBe(201);
  const { id, key } = await enrolment.json();
  const code = totp(key, Date.now() / 1000);
  const confirmed = await request.post(`${server.url}/auth/users/me/mfa/totp/confirm/`, { headers, data: { id, code } });
  expect(confirmed.status()).toBe(200);
  return { key: key as string, recoveryCodes: (await confirmed.json()).recovery_codes as string[] };
}

async function password(page: Page, person: Person) {
  await page.goto('/login');
  await field(page, 'Username').fill(person.username);
  await field(page, 'Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Second step' })).toBeVisible();
}

test('a person with an authenticator app signs in with the password, then a code from the app', async ({
  browser,
  request,
}) => {
  const person = await activeAccount(request, server, 'twostep');
  const { key } = await withAuthenticator(request, person);
  const context = await browser.newContext({ baseURL: server.url, bypassCSP: true });
  const page = await context.newPage();

  await password(page, person);
  const codeField = field(page, 'Code from your authenticator app');
  await expect(codeField).toBeFocused();
  expect(await wcagViolations(page), 'the second step').toEqual([]);
  await codeField.fill('000000');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('The code is not valid.')).toBeVisible();

  // The next step's code: the current one was used to confirm the app.
  await codeField.fill(totp(key, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);
  await context.close();
});

test('a recovery code signs in once, typed without its hyphen', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'recovery');
  const { recoveryCodes } = await withAuthenticator(request, person);

  await password(page, person);
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await expect(field(page, 'Recovery code')).toBeFocused();
  await field(page, 'Recovery code').fill(recoveryCodes[0].replace('-', ''));
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);

  await signOut(page);
  await password(page, person);
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await field(page, 'Recovery code').fill(recoveryCodes[0]);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('The recovery code is not valid or was already used.')).toBeVisible();
});

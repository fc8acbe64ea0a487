import { test, expect, Page } from '@playwright/test';
import { identityProvider, servers } from './support/servers';
import { activeAccount, newPerson, signIn, signOut } from './support/app';
import { wcagViolations } from './support/axe';
import { totp } from './support/totp';

// Signing in with an identity provider: a real OpenID Connect provider (panva's oidc-provider)
// runs beside the `providers` server, and people sign in on its own login and consent pages.
const server = servers.providers;
// The accessibility audit injects axe-core, which the app's Content-Security-Policy would refuse.
test.use({ baseURL: server.frontend, bypassCSP: true });

/** Signs `login` in on the provider's pages (its development login form, then its consent),
 * after a button on the app's page `from` sent the browser there. A provider that remembers the
 * person skips what it already knows and may send them straight back. */
async function atTheProvider(page: Page, login: string, from: string) {
  const provider = new URL(identityProvider.issuer).origin;
  await page.waitForURL((url) => url.origin === provider || url.pathname !== from, { waitUntil: 'commit' });
  const loginField = page.locator('input[name="login"]');
  const consent = page.getByRole('button', { name: 'Continue' });
  const back = page.getByRole('heading', { name: 'Signing in' }).or(page.getByTestId('signed-in-as'));
  await expect(loginField.or(consent).or(back).first()).toBeVisible();
  if (await loginField.isVisible()) {
    await loginField.fill(login);
    await page.locator('input[name="password"]').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await expect(consent.or(back).first()).toBeVisible();
  }
  if (await consent.isVisible()) await consent.click();
}

test('a newcomer signs up through the provider, signs out, and signs in through it again', async ({ page }) => {
  const person = newPerson('acme');
  await page.goto('/signup');
  const button = page.getByRole('button', { name: 'Continue with Acme ID' });
  await expect(button).toBeVisible();
  expect(await wcagViolations(page), 'the sign-up page with a provider').toEqual([]);
  await button.click();
  await atTheProvider(page, person.username, '/signup');

  // Back in the app, signed in with a new account named after the provider's account.
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);
  await page.goto('/profile');
  await expect(page.getByRole('heading', { name: 'Connected accounts' })).toBeVisible();
  await expect(page.getByText(`${person.username}@provider.test`).first()).toBeVisible();
  expect(await wcagViolations(page), 'the profile with a connected account').toEqual([]);

  await signOut(page);
  await page.goto('/login');
  await page.getByRole('button', { name: 'Continue with Acme ID' }).click();
  await atTheProvider(page, person.username, '/login');
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);
});

test('a signed-in person connects the provider from the profile, and the provider then signs them in', async ({
  page,
  request,
}) => {
  const person = await activeAccount(request, server, 'connect');
  await page.goto('/login');
  await signIn(page, person.username, person.password);
  await page.goto('/profile');
  await page.getByRole('button', { name: 'Connect Acme ID' }).click();
  await atTheProvider(page, `${person.username}-elsewhere`, '/profile');
  await expect(page.getByRole('status')).toContainText('Connected Acme ID: you can sign in with it from now on.');
  await expect(page.getByRole('button', { name: 'Disconnect Acme ID' })).toBeVisible();

  await signOut(page);
  await page.goto('/login?next=/profile/sessions');
  await page.getByRole('button', { name: 'Continue with Acme ID' }).click();
  await atTheProvider(page, `${person.username}-elsewhere`, '/login');
  await expect(page).toHaveURL(/\/profile\/sessions$/);
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);

  // Disconnected, the password still signs in.
  await page.goto('/profile');
  await page.getByRole('button', { name: 'Disconnect Acme ID' }).click();
  await expect(page.getByRole('status')).toContainText('Acme ID was disconnected.');
  await expect(page.getByRole('button', { name: 'Connect Acme ID' })).toBeVisible();
  // The button pressed went with the connection: the section has the keyboard's focus.
  await expect(page.getByRole('heading', { name: 'Connected accounts' })).toBeFocused();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a sign-in cancelled at the provider, or a callback opened by hand, says so', async ({ page }) => {
  await page.goto('/o/acme/callback?error=access_denied&state=x');
  await expect(page.getByRole('alert')).toContainText('The sign-in was cancelled at the provider.');
  await expect(page.getByRole('link', { name: 'Back to sign in' })).toBeVisible();
  expect(await wcagViolations(page), 'the callback page').toEqual([]);
  await page.goto('/o/acme/callback?code=made-up&state=made-up');
  await expect(page.getByRole('alert')).toContainText('State could not be found');
});

test('an account with an authenticator app takes its second step after the provider', async ({ page, request }) => {
  const person = await activeAccount(request, server, 'careful');
  const signedIn = await request.post(`${server.url}/auth/jwt/create/`, {
    data: { username: person.username, password: person.password },
  });
  const headers = { Authorization: `Bearer ${(await signedIn.json()).access}` };
  const enrolment = await (await request.post(`${server.url}/auth/users/me/mfa/totp/`, { headers, data: {} })).json();
  const now = Date.now() / 1000;
  const confirm = { id: enrolment.id, code: totp(enrolment.key, now) };
  expect((await request.post(`${server.url}/auth/users/me/mfa/totp/confirm/`, { headers, data: confirm })).status()).toBe(200);
  // Connected through the API from the browser, as the app does it (in cookie mode, which ties
  // the connection to this browser), and finished on the app's callback page.
  const redirect = `${server.frontend}/o/acme/callback`;
  const started = await page.request.post(`${server.url}/auth/users/me/providers/acme/`, {
    headers: { ...headers, 'X-Token-Transport': 'cookie' },
    data: { redirect_uri: redirect },
  });
  await page.goto((await started.json()).authorization_url);
  await atTheProvider(page, `${person.username}-two-step`, '');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.context().clearCookies();

  await page.goto('/login');
  await page.getByRole('button', { name: 'Continue with Acme ID' }).click();
  await atTheProvider(page, `${person.username}-two-step`, '/login');
  await expect(page.getByRole('heading', { name: 'Second step' })).toBeVisible();
  await page.getByLabel('Code from your authenticator app', { exact: true }).fill(totp(enrolment.key, now + 30));
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(person.username);
});
